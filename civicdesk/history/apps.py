from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "civicdesk.history"
    label = "history"
    verbose_name = "History import"
