from django.apps import AppConfig


class ToolsConfig(AppConfig):
    """Interactive tools that compute an answer and store nothing (the prediabetes risk test)."""

    name = "tools"
    verbose_name = "Tools"
