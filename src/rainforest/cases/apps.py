from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "rainforest.cases"
    label = "cases"
