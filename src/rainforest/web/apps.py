from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rainforest.web"
    label = "web"
