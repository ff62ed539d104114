"""Scale-out: Celery tasks, workers and schedules; in-process without a broker."""
