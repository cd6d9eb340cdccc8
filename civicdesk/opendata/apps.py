from django.apps import AppConfig


class OpenDataConfig(AppConfig):
    name = "civicdesk.opendata"
    label = "opendata"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.core import periodic
        from civicdesk.opendata.schedule import nightly_ensure

        # Every sweeper round makes sure the nightly export is queued (opendata/schedule.py).
        periodic.register("open-data nightly export", nightly_ensure)
