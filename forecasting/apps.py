from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forecasting"
    verbose_name = "Forecasting"

    def ready(self) -> None:
        # The services enqueue tasks by name (forecasting/services/enqueue.py): importing the tasks here
        # registers them in every process that may enqueue one, the web processes included. Inside
        # ready(), not at the top: the tasks import the services, which import this app's models.
        from forecasting import tasks  # noqa: F401
