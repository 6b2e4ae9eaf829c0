from django.apps import AppConfig


class CopilotConfig(AppConfig):
    name = "copilot"
    verbose_name = "Copilot"

    def ready(self) -> None:
        from copilot import receivers  # noqa: F401  (connects to tickets' signals)
