from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rainforest.accounts"
    label = "accounts"
    verbose_name = "组织与用户"
