from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "rainforest.programs"
    label = "programs"
    verbose_name = "重点领域研发计划"

    def ready(self) -> None:
        from rainforest.cases import registry
        from rainforest.programs.process import ALL_PROCESSES, APPLICATION, OBJECTION, PROPOSAL
        from rainforest.programs.process_modes import register_mode_processes
        from rainforest.programs.services.handlers import (
            application_act,
            objection_act,
            proposal_act,
        )

        handlers = {APPLICATION: application_act, PROPOSAL: proposal_act, OBJECTION: objection_act}
        for defn, prefix in ALL_PROCESSES:
            registry.register(defn, number_prefix=prefix, handler=handlers.get(defn.code))
        register_mode_processes()  # execution changes and the organisation modes
        from rainforest.cases.sla import register_tick_hook
        from rainforest.programs.sla_milestones import milestone_reminders_tick

        # `rainforest sla tick` also reminds undertakers of milestone reports due.
        register_tick_hook(milestone_reminders_tick)
        from rainforest.programs.insights_hooks import register_insights

        register_insights()  # the leadership dashboard's span and filters for programmes
