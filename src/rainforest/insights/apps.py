from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "rainforest.insights"
    label = "insights"
