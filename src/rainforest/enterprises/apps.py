from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "rainforest.enterprises"
    label = "enterprises"
