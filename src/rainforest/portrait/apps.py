from django.apps import AppConfig


class PortraitConfig(AppConfig):
    name = "rainforest.portrait"
    label = "portrait"
