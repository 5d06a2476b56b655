"""Forecasting: forecast runs, their Celery tasks, and the pure engine in `forecasting.engine`."""
