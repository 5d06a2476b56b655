"""The brief in the admin: a run's progress, results and charts, "Download brief", "Run forecast", and
"Compare selected runs".

`reports` builds on `forecasting` (never the other way round), so it extends the run admin here: the
registered `ForecastRunAdmin` is replaced by one with the results mixin in front.
"""

from django.contrib import admin

from forecasting.admin import ForecastRunAdmin
from forecasting.models import ForecastRun
from reports.admin_compare import compare_runs
from reports.admin_views import ForecastRunResultsMixin, add_run_forecast_action


class ForecastRunResultsAdmin(ForecastRunResultsMixin, ForecastRunAdmin):
    """The run admin with its results page and "Compare selected runs"."""

    actions = [*(getattr(ForecastRunAdmin, "actions", None) or []), compare_runs]


admin.site.unregister(ForecastRun)
admin.site.register(ForecastRun, ForecastRunResultsAdmin)
add_run_forecast_action(admin.site)
