from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "rainforest.ledger"
    label = "ledger"
