"""Usage import and calibration (docs/usage-import.md): pure parsing, cost recompute and fitting.

No Django and no ORM here: bytes and plain price tables in, frozen dataclasses out. The Django layer
(models, admin, API, `import_usage`) stores what these functions return.

    files = [parse_usage_file(name, content) for name, content in uploads]   # or parse_zip(...)
    result = calibrate(files, prices, teams={"Platform": ["eng-01", "eng-02"]})
    result.document()   # {"teams": [...], "features": [...], "warnings": [...]}
"""

from procurement.imports.calibrate import Calibration, calibrate, history_checks, import_warnings
from procurement.imports.document import fits_document
from procurement.imports.errors import UsageFileError
from procurement.imports.feature_fit import FeatureFit, fit_feature
from procurement.imports.formats import DEFAULT_MAX_BYTES, detect_format, parse_usage_file, parse_zip
from procurement.imports.guards import HistoryCheck
from procurement.imports.months import EngineerMonth, FeatureMonth, engineer_months, feature_months
from procurement.imports.pricing import catalog_key, cost_breakdown_usd, recompute_cost_usd
from procurement.imports.records import CostRecord, ParsedUsageFile, UsageRecord
from procurement.imports.team_fit import TeamFit, fit_team

__all__ = (
    "DEFAULT_MAX_BYTES",
    "Calibration",
    "CostRecord",
    "EngineerMonth",
    "FeatureFit",
    "FeatureMonth",
    "HistoryCheck",
    "ParsedUsageFile",
    "TeamFit",
    "UsageFileError",
    "UsageRecord",
    "calibrate",
    "catalog_key",
    "cost_breakdown_usd",
    "detect_format",
    "engineer_months",
    "feature_months",
    "fit_feature",
    "fit_team",
    "fits_document",
    "history_checks",
    "import_warnings",
    "parse_usage_file",
    "parse_zip",
    "recompute_cost_usd",
)
