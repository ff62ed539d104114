from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    """Scale-out: Celery tasks, workers and schedules; in-process without a broker."""

    name = "communs.tasks"
    verbose_name = _("Tasks")
