from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "rainforest.review"
    label = "review"
