"""django-tasks-db's app, under a name its admin section gives the operator in their language.

The package names it "Tasks Database Backend", which names the code, not what its list
holds, and in English only. ``config/settings.py`` installs this config in its place; the
app's label, models and migrations are the package's own.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_tasks_db.apps import TasksAppConfig

# The package's model names, marked so the project's catalog gives them in Spanish too.
MODEL_NAMES = (gettext_noop("Task Result"), gettext_noop("Task Results"))


class TaskResultsConfig(TasksAppConfig):
    # The package wrote its name as a plain str; a lazy one is what Django's own apps use.
    verbose_name = _("Background tasks")  # type: ignore[assignment]
