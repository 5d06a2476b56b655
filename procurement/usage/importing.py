"""Create a usage import (docs/usage-import.md): parse the uploads, price them with a catalog, fit, and
store the lot in one transaction.

The pure work (parsing, pricing, fitting) is `procurement.imports`; this module only chooses the catalog,
checks what the organization already holds, and writes rows. Interfaces (admin, API, the `import_usage`
command) call `import_usage` and render what it returns or raises; applying a stored fit to a scenario is
`procurement.usage.applying`.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from forecasting.engine.inputs import ModelPrice
from forecasting.engine.jsondata import json_data
from forecasting.engine.pricing import catalog_model_price
from procurement.imports import (
    Calibration,
    ParsedUsageFile,
    UsageFileError,
    calibrate,
    parse_usage_file,
    parse_zip,
)
from procurement.imports.months import TOKEN_FIELDS, EngineerMonth, FeatureMonth
from procurement.imports.plan_caps import Cap, plan_caps
from procurement.imports.records import ENGINEER_FORMATS
from procurement.limits import MAX_NAME_CHARS
from procurement.models import Organization, PriceCatalog, catalog_snapshot
from procurement.models.usage import EngineerMonthUsage, FeatureMonthUsage, UsageFile, UsageImport

# 20 MiB for all files of one upload together (task brief default). The largest sample, a 92-day cost
# report for 3 workspaces, is 1 MB; a year of a few dozen engineers' daily ccusage files is a few MB.
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_FEATURE_MAP_ENTRIES = 10_000  # more workspaces and API keys than any organization has (project choice)

# The counts a feature-month row stores (the untiered input share only informs the fit's batch share).
_FEATURE_TOKEN_FIELDS = tuple(name for name in TOKEN_FIELDS if name != "unknown_tier_input_tokens")


@dataclass(frozen=True)
class Upload:
    """One uploaded file: a usage report (JSON) or a zip of them."""

    name: str
    content: bytes


@dataclass(frozen=True)
class ImportResult:
    usage_import: UsageImport
    created: bool  # False: the same files were imported before, and that import is returned


class UploadTooLarge(UsageFileError):
    """The upload as a whole is over `USAGE_IMPORT_MAX_BYTES` (the API answers 413)."""


class ImportOptionError(ValueError):
    """A bad import option (not a file): `field` is the option's name."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def max_upload_bytes() -> int:
    """`settings.USAGE_IMPORT_MAX_BYTES`, else DEFAULT_MAX_UPLOAD_BYTES."""
    return int(getattr(settings, "USAGE_IMPORT_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def token_prices(catalog: PriceCatalog) -> dict[str, ModelPrice]:
    """The catalog's model prices as the importer's price table, keyed by catalog model key."""
    return {row["key"]: catalog_model_price(row) for row in catalog_snapshot(catalog)["models"]}


def seat_plan_caps(catalog: PriceCatalog) -> dict[str, tuple[Cap, ...]]:
    """Each seat plan of the catalog with the capacity it caps usage at over time (None: not capped)."""
    rows = catalog.seat_plans.values_list("key", "valid_from", "capacity_usd", "overflow")
    return plan_caps([(key, start.isoformat(), cap, overflow) for key, start, cap, overflow in rows])


def parse_uploads(
    uploads: Sequence[Upload], *, engineer: str | None = None, max_bytes: int | None = None
) -> list[tuple[ParsedUsageFile, bytes]]:
    """Every file of the uploads (zip members one by one) with its bytes; the first bad file raises
    `UsageFileError` naming file, row and field."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    if not uploads:
        raise ImportOptionError("files", "no file given")
    total = sum(len(upload.content) for upload in uploads)
    if total > limit:
        names = ", ".join(upload.name for upload in uploads)
        raise UploadTooLarge(file=names, message=f"{total:,} bytes, over the {limit:,}-byte upload limit")
    if engineer is not None and (len(uploads) > 1 or _is_zip(uploads[0])):
        raise ImportOptionError("engineer", "name the engineer only when uploading one file (not a zip)")
    parsed: list[tuple[ParsedUsageFile, bytes]] = []
    for upload in uploads:
        if _is_zip(upload):
            parsed.extend(_zip_members(upload, parse_zip(upload.name, upload.content, max_bytes=limit)))
        else:
            one = parse_usage_file(upload.name, upload.content, engineer=engineer, max_bytes=limit)
            parsed.append((one, upload.content))
    return parsed


def _is_zip(upload: Upload) -> bool:
    # A JSON document cannot start with "PK"; the name covers an empty or damaged archive.
    return upload.content.startswith(b"PK") or upload.name.lower().endswith(".zip")


def _zip_members(upload: Upload, files: list[ParsedUsageFile]) -> list[tuple[ParsedUsageFile, bytes]]:
    """Each member's bytes, for its checksum (parse_zip names members `<zip name>/<member path>`)."""
    archive = zipfile.ZipFile(io.BytesIO(upload.content))
    prefix = f"{upload.name}/"
    return [(parsed, archive.read(parsed.name.removeprefix(prefix))) for parsed in files]


def import_usage(
    organization: Organization,
    uploads: Sequence[Upload],
    *,
    catalog: PriceCatalog | None = None,
    team: str | None = None,
    engineer: str | None = None,
    feature_map: Mapping[str, str] | None = None,
    plans: Mapping[str, str] | None = None,
    user: Any = None,
) -> ImportResult:
    """Parse, price (with `catalog`, else the default one), fit and store the uploads as one import.

    ccusage and Analytics files form one team (`team`, else the library's default name); Admin API
    reports form the organization's features, named through `feature_map` (workspace or API key id ->
    feature name). `plans` maps engineers to plan keys of the catalog: months of an engineer on a plan that
    blocks usage beyond its capacity, at that capacity, are fitted as censored
    (docs/usage-import.md#capped-usage). The same set of files imported again returns the earlier import
    (`created` False); a
    file already held by another import of the organization is refused, so no usage is counted twice.
    Raises UsageFileError or ImportOptionError; nothing is written then.
    """
    chosen_catalog = catalog or PriceCatalog.objects.default()
    if chosen_catalog is None:
        raise ImportOptionError("catalog", "no price catalog given and no default catalog exists")
    team_name, mapping = _check_options(team, feature_map)
    caps = seat_plan_caps(chosen_catalog)
    engineer_plans = _check_plans(plans, caps, chosen_catalog)
    parsed = parse_uploads(uploads, engineer=engineer)
    checksums = _checksums(parsed)
    checksum = hashlib.sha256("\n".join(sorted(checksums)).encode()).hexdigest()
    existing = UsageImport.objects.filter(organization=organization, checksum=checksum).first()
    if existing is not None:
        return ImportResult(existing, created=False)
    _refuse_known_files(organization, parsed, checksums)
    files = [file for file, _ in parsed]
    calibration = calibrate(
        files,
        token_prices(chosen_catalog),
        teams=_team_groups(files, team_name),
        feature_map=mapping,
        plans=engineer_plans,
        plan_caps=caps,
    )
    header = UsageImport(
        organization=organization,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        price_catalog=chosen_catalog,
        checksum=checksum,
        team_name=team_name or "",
        feature_map=mapping,
        fits=json_data(calibration.document()),
    )
    return _store_once(header, parsed, checksums, calibration)


def _store_once(
    header: UsageImport,
    parsed: Sequence[tuple[ParsedUsageFile, bytes]],
    checksums: Sequence[str],
    calibration: Calibration,
) -> ImportResult:
    """Store the import, or return the one a concurrent upload of the same files stored first."""
    try:
        return ImportResult(_store(header, parsed, checksums, calibration), created=True)
    except IntegrityError:
        organization = header.organization
        earlier = UsageImport.objects.filter(organization=organization, checksum=header.checksum).first()
        if earlier is None:
            _refuse_known_files(organization, parsed, checksums)
            raise
        return ImportResult(earlier, created=False)


def _check_options(
    team: str | None, feature_map: Mapping[str, str] | None
) -> tuple[str | None, dict[str, str]]:
    if team is not None and not (0 < len(team.strip()) <= MAX_NAME_CHARS):
        raise ImportOptionError("team", f"give a name of 1 to {MAX_NAME_CHARS} characters")
    mapping = dict(feature_map or {})
    if len(mapping) > MAX_FEATURE_MAP_ENTRIES:
        raise ImportOptionError("feature_map", f"at most {MAX_FEATURE_MAP_ENTRIES:,} entries")
    for key, name in mapping.items():
        if not isinstance(key, str) or not isinstance(name, str):
            raise ImportOptionError(
                "feature_map", "map workspace or API key ids (strings) to names (strings)"
            )
        if not (0 < len(name.strip()) <= MAX_NAME_CHARS):
            raise ImportOptionError("feature_map", f"{key}: give a name of 1 to {MAX_NAME_CHARS} characters")
    return (team.strip() if team is not None else None), {k: v.strip() for k, v in mapping.items()}


def _check_plans(
    plans: Mapping[str, str] | None, caps: Mapping[str, Sequence[Cap]], catalog: PriceCatalog
) -> dict[str, str]:
    """Engineer -> plan key, every key a plan of the catalog."""
    mapping = dict(plans or {})
    if len(mapping) > MAX_FEATURE_MAP_ENTRIES:
        raise ImportOptionError("plans", f"at most {MAX_FEATURE_MAP_ENTRIES:,} entries")
    for engineer, key in mapping.items():
        if not isinstance(engineer, str) or not isinstance(key, str):
            raise ImportOptionError("plans", "map engineers (strings) to plan keys (strings)")
        if key not in caps:
            known = ", ".join(sorted(caps)) or "none"
            raise ImportOptionError(
                "plans", f"{engineer}: no plan {key!r} in the catalog {catalog.slug} (its plans: {known})"
            )
    return mapping


def _checksums(parsed: Sequence[tuple[ParsedUsageFile, bytes]]) -> list[str]:
    """sha256 of each file; the same bytes twice in one upload would count their usage twice."""
    seen: dict[str, str] = {}
    for file, content in parsed:
        digest = hashlib.sha256(content).hexdigest()
        if digest in seen:
            raise UsageFileError(file=file.name, message=f"the same content as {seen[digest]}, given twice")
        seen[digest] = file.name
    return list(seen)


def _refuse_known_files(
    organization: Organization, parsed: Sequence[tuple[ParsedUsageFile, bytes]], checksums: Sequence[str]
) -> None:
    known = {
        row.sha256: row
        for row in UsageFile.objects.filter(organization=organization, sha256__in=checksums).only(
            "sha256", "name", "usage_import_id"
        )
    }
    for (file, _), digest in zip(parsed, checksums, strict=True):
        if digest in known:
            earlier = known[digest]
            raise UsageFileError(
                file=file.name,
                message=f"already imported in usage import #{earlier.usage_import_id} (as {earlier.name}); "
                "importing it again would count its usage twice (delete that import first to re-import)",
            )


def _team_groups(files: Sequence[ParsedUsageFile], team: str | None) -> dict[str, list[str]] | None:
    """Every engineer of the files in one team named `team` (None: the library's default name)."""
    if team is None:
        return None
    engineers = {
        record.engineer or file.engineer or ""
        for file in files
        if file.format in ENGINEER_FORMATS
        for record in file.records
    }
    return {team: sorted(engineers)} if engineers else {}


def _store(
    header: UsageImport,
    parsed: Sequence[tuple[ParsedUsageFile, bytes]],
    checksums: Sequence[str],
    calibration: Calibration,
) -> UsageImport:
    with transaction.atomic():
        header.save()
        UsageFile.objects.bulk_create(
            _file_row(header, file, content, digest)
            for (file, content), digest in zip(parsed, checksums, strict=True)
        )
        EngineerMonthUsage.objects.bulk_create(_engineer_row(header, m) for m in calibration.engineer_months)
        FeatureMonthUsage.objects.bulk_create(_feature_row(header, m) for m in calibration.feature_months)
    return header


def _file_row(header: UsageImport, file: ParsedUsageFile, content: bytes, digest: str) -> UsageFile:
    return UsageFile(
        usage_import=header,
        organization=header.organization,
        name=file.name[:500],
        sha256=digest,
        format=file.format,
        size_bytes=len(content),
        report=file.report or "",
        engineer=(file.engineer or "")[:MAX_NAME_CHARS],
        first_day=file.first_day,
        last_day=file.last_day,
        reported_total_cost_usd=file.reported_total_cost_usd,
    )


def _month_fields(header: UsageImport, month: EngineerMonth | FeatureMonth) -> dict[str, Any]:
    """The columns an engineer-month and a feature-month row share."""
    return {
        "usage_import": header,
        "month": datetime.date.fromisoformat(f"{month.month}-01"),
        "cost_usd": month.cost_usd,
        "reported_cost_usd": month.reported_cost_usd,
        "coverage": month.coverage,
    }


def _engineer_row(header: UsageImport, month: EngineerMonth) -> EngineerMonthUsage:
    return EngineerMonthUsage(
        engineer=month.engineer[:MAX_NAME_CHARS],
        active_days=month.active_days,
        full_month_usd=month.full_month_usd,
        **_month_fields(header, month),
    )


def _feature_row(header: UsageImport, month: FeatureMonth) -> FeatureMonthUsage:
    return FeatureMonthUsage(
        feature=month.feature[:MAX_NAME_CHARS],
        model_input_tokens={key: round(count) for key, count in month.model_input_tokens},
        **_month_fields(header, month),
        **{name: round(getattr(month, name)) for name in _FEATURE_TOKEN_FIELDS},
    )
