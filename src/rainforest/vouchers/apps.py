from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "rainforest.vouchers"
    label = "vouchers"
