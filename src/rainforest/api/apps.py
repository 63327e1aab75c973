from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rainforest.api"
    label = "api"
