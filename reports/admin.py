"""The brief in the admin: a run's progress, results and charts, "Download brief", and "Run forecast".

`reports` builds on `forecasting` (never the other way round), so it extends the run admin here: the
registered `ForecastRunAdmin` is replaced by one with the results mixin in front.
"""

from django.contrib import admin

from forecasting.admin import ForecastRunAdmin
from forecasting.models import ForecastRun
from reports.admin_views import ForecastRunResultsMixin, add_run_forecast_action


class ForecastRunResultsAdmin(ForecastRunResultsMixin, ForecastRunAdmin):
    """The run admin with its results page."""


admin.site.unregister(ForecastRun)
admin.site.register(ForecastRun, ForecastRunResultsAdmin)
add_run_forecast_action(admin.site)
