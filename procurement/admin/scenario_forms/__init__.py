"""Admin forms of a scenario, its bands, teams and features, in a procurement lead's words.

Percentages instead of fractions, checkboxes instead of a JSON list of plans, a table per model instead of
a JSON model mix; the statistical name of each input is in its help text. The model field names stay (the
API and the JSON document use them); only these forms change.

By job: `base` (one error per field), `catalog_choices` (the catalog a form offers, its plans and models),
`scenario` (the scenario and its discount bands), `teams` and `features` (each row's form and the form
bound to a catalog). The names below are what the scenario admin (`procurement/admin/scenarios.py`) uses.
"""

from procurement.admin.scenario_forms.catalog_choices import (
    default_catalog,
    row_catalog,
    scenario_catalog,
)
from procurement.admin.scenario_forms.features import (
    FEATURE_DETAIL_FIELDSETS,
    FEATURE_KEY_FIELDS,
    FeatureForm,
    FeatureFormSet,
    feature_form,
)
from procurement.admin.scenario_forms.scenario import DiscountBandForm, ScenarioForm
from procurement.admin.scenario_forms.teams import (
    TEAM_DETAIL_FIELDSETS,
    TEAM_KEY_FIELDS,
    TeamForm,
    team_form,
)

__all__ = [
    "FEATURE_DETAIL_FIELDSETS",
    "FEATURE_KEY_FIELDS",
    "TEAM_DETAIL_FIELDSETS",
    "TEAM_KEY_FIELDS",
    "DiscountBandForm",
    "FeatureForm",
    "FeatureFormSet",
    "ScenarioForm",
    "TeamForm",
    "default_catalog",
    "feature_form",
    "row_catalog",
    "scenario_catalog",
    "team_form",
]
