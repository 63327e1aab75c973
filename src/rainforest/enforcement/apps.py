from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "rainforest.enforcement"
    label = "enforcement"
