from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "rainforest.finance"
    label = "finance"
    verbose_name = "科技金融"

    def ready(self) -> None:
        from rainforest.cases import registry
        from rainforest.finance.process import PLEDGE_PROCESS
        from rainforest.finance.services import pledge_act

        registry.register(PLEDGE_PROCESS, number_prefix="IPR", handler=pledge_act)
