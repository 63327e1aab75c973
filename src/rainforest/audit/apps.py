from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rainforest.audit"
    label = "audit"
    verbose_name = "审计"
