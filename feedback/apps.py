from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """Visitors' voices: "Was this page helpful?" and moderated readers' experiences."""

    name = "feedback"
    verbose_name = "Visitor feedback"
