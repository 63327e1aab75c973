from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "rainforest.vouchers"
    label = "vouchers"
    verbose_name = "训力券、模型券、语料券"

    def ready(self) -> None:
        from rainforest.cases import registry
        from rainforest.vouchers.process import APPLICATION_PROCESS, PROVIDER_PROCESS
        from rainforest.vouchers.services import application_act, provider_act

        registry.register(PROVIDER_PROCESS, number_prefix="VPR", handler=provider_act)
        registry.register(APPLICATION_PROCESS, number_prefix="VAP", handler=application_act)
