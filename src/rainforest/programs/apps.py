from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "rainforest.programs"
    label = "programs"
