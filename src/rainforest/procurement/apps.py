from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "rainforest.procurement"
    label = "procurement"
