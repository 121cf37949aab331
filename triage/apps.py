"""The triage app; plugs into coaching when ready (coaching imports nothing of triage)."""

from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = "Triage"

    def ready(self) -> None:
        """Plug into coaching, which imports nothing of triage: a saved log asks for a review,
        the client's data export and erase report include the flags, the trainers' group
        may see and act on flags, and the client list filters by the dashboard's numbers."""
        from coaching import hooks
        from coaching.accounts import roles
        from triage import dashboard, handover, selectors

        hooks.on_log_saved(handover.request_review)
        hooks.register_client_data(
            hooks.ClientData(
                key="flags", export=selectors.client_flags_export, count=selectors.client_flag_count
            )
        )
        hooks.add_client_filter(dashboard.CaseloadFilter)
        roles.grant(roles.TRAINERS_GROUP, selectors.FLAG_PERMISSIONS)
