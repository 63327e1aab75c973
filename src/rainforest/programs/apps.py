from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "rainforest.programs"
    label = "programs"
    verbose_name = "重点领域研发计划"

    def ready(self) -> None:
        from rainforest.cases import registry
        from rainforest.programs.process import ALL_PROCESSES, APPLICATION, PROPOSAL
        from rainforest.programs.services.handlers import application_act, proposal_act

        handlers = {APPLICATION: application_act, PROPOSAL: proposal_act}
        for defn, prefix in ALL_PROCESSES:
            registry.register(defn, number_prefix=prefix, handler=handlers.get(defn.code))
