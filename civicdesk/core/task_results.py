"""django-tasks-db's app, under a name its admin section gives the operator in their language.

The package names it "Tasks Database Backend", which names the code, not what its list
holds, and in English only. ``config/settings.py`` installs this config in its place; the
app's label, models and migrations are the package's own.
"""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TaskResultsConfig(TasksAppConfig):
    # The package wrote its name as a plain str; a lazy one is what Django's own apps use.
    verbose_name = _("Background tasks")  # type: ignore[assignment]

    def ready(self) -> None:
        super().ready()
        # The package's model reads "Task Results" in title case; ours are named as a
        # sentence ("Case events"). Set on the model's options only, not on the options its
        # class was declared with (``original_attrs``), which are what makemigrations
        # compares: so the package's migrations stay as they are and none is asked for.
        options = self.get_model("DBTaskResult")._meta
        options.verbose_name = _("task result")
        options.verbose_name_plural = _("task results")
