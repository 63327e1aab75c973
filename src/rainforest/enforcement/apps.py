from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "rainforest.enforcement"
    label = "enforcement"
    verbose_name = "异地办案协作"

    def ready(self) -> None:
        from rainforest.cases import registry
        from rainforest.enforcement.process import ENFORCEMENT_PROCESS
        from rainforest.enforcement.services import enforcement_act, record_view

        # Restricted: only police legal officers (the role acting in it) see these cases or
        # learn that one exists; other staff and administrators do not (cases.permissions).
        registry.register(
            ENFORCEMENT_PROCESS,
            number_prefix="XZ",
            handler=enforcement_act,
            restricted=True,
            on_view=record_view,
        )
