"""The forecast admin, assembled here: `reports` builds on `forecasting` and `procurement`, so this is the
one module that can put a run's list and fields, its results and brief, and "Run forecast" together.

- `ForecastRun` is registered once, here: forecasting's `ForecastRunAdmin` (list, fields, organization
  scoping) with the results mixin in front (progress, results, "Download brief", "Compare selected runs").
- "Run forecast" on scenarios is `reports.admin_views.run_forecast`, handed to the scenario admin through
  its hook, `procurement.admin.scenarios.offer_run_forecast`.
"""

from django.contrib import admin

from forecasting.admin import ForecastRunAdmin
from forecasting.models import ForecastRun
from procurement.admin.scenarios import offer_run_forecast
from reports.admin_compare import compare_runs
from reports.admin_views import ForecastRunResultsMixin, run_forecast


@admin.register(ForecastRun)
class ForecastRunResultsAdmin(ForecastRunResultsMixin, ForecastRunAdmin):
    """The run admin with its results page and "Compare selected runs"."""

    actions = [compare_runs]
    # The stored result is a link to its own view (`result.json`), not tens of thousands of pixels of JSON
    # under the results: "Result JSON" becomes one line of the "Result" fieldset.
    fieldsets = [
        (name, {**options, "fields": [*options["fields"], "result_json_link"]})
        if name == "Result"
        else (name, options)
        for name, options in ForecastRunAdmin.fieldsets
        if name != "Result JSON"
    ]


offer_run_forecast(run_forecast)
