"""The documentation in `docs/` can be followed from a clean clone.

Every `docs/<file>.md` or `docs/<file>.md#<anchor>` named in the code, templates, README, Makefile, CI
script and the docs themselves must name an existing file and, with an anchor, an existing heading of it
(GitHub's heading slugs). Links between the docs pages are checked the same way, repository paths the
docs name must exist, and every environment variable the settings read must be documented.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".venv",
        "out",
        "var",
        "migrations",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        "staticfiles",
        "node_modules",
    }
)
SCANNED_SUFFIXES = frozenset({".py", ".html", ".js", ".md", ".in", ".toml", ".yaml", ".sh"})
SCANNED_NAMES = frozenset({"Makefile"})
SCANNED_PATHS = frozenset({".ci/run"})

# A docs page, with or without `#anchor`, not inside a longer path or URL (`/api/docs/`, `example.com/docs/`).
DOCS_REFERENCE = re.compile(r"(?<![\w./-])docs/([\w.-]+\.md)(?:#([\w-]+))?")
# The design document these pages replace, in any of the ways the code used to cite it.
OLD_DESIGN_REFERENCE = re.compile(r"\bDESIGN(?:\.md| ?§| section|\s+\d)")
# Repository paths the docs name in backticks: `forecasting/engine/plan.py`, `tests/engine/`.
REPOSITORY_PATH = re.compile(
    r"^(?:procurement|forecasting|reports|tests|benchmarks|docker|requirements|\.ci)/\S*$"
)
SETTINGS_VARIABLE = re.compile(r"\benv\.\w+\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
MINIMUM_REFERENCES = 50  # the code cites the docs well over this often: fewer means the scanner is broken

MARKDOWN = MarkdownIt("commonmark")


@dataclass(frozen=True)
class Reference:
    source: str  # file:line where the reference appears
    target: Path
    anchor: str | None

    def __str__(self) -> str:
        shown = self.target.relative_to(ROOT).as_posix() + (f"#{self.anchor}" if self.anchor else "")
        return f"{self.source}: {shown}"


def scanned_files() -> Iterator[Path]:
    """Source, template, documentation and build files of the repository (no virtualenv, output, data)."""
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(directory) / name
            relative = path.relative_to(ROOT).as_posix()
            if path.suffix in SCANNED_SUFFIXES or name in SCANNED_NAMES or relative in SCANNED_PATHS:
                yield path


@cache
def lines_of(path: Path) -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8", errors="replace").splitlines())


def github_slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces to `-`."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def heading_text(inline: Token) -> str:
    """The heading as GitHub renders it: text and code spans, markup removed."""
    return "".join(child.content for child in inline.children or [] if child.type in ("text", "code_inline"))


@cache
def anchors_of(path: Path) -> frozenset[str]:
    """Every heading anchor of a Markdown file, duplicates numbered `-1`, `-2` as GitHub does."""
    tokens = MARKDOWN.parse(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    anchors = set()
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "heading_open":
            continue
        slug = github_slug(heading_text(inline))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return frozenset(anchors)


def docs_references() -> list[Reference]:
    """`docs/<file>.md[#anchor]` anywhere in the scanned files."""
    found = []
    for path in scanned_files():
        for number, line in enumerate(lines_of(path), start=1):
            for match in DOCS_REFERENCE.finditer(line):
                source = f"{path.relative_to(ROOT).as_posix()}:{number}"
                found.append(Reference(source, DOCS / match.group(1), match.group(2)))
    return found


def links_between_docs() -> list[Reference]:
    """Relative Markdown links of the docs pages (`[model.md](model.md#seat-path)`)."""
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for token in MARKDOWN.parse(page.read_text(encoding="utf-8")):
            for child in token.children or []:
                href = str(child.attrs.get("href", "")) if child.type == "link_open" else ""
                if not href or re.match(r"^[a-z]+:", href):
                    continue
                target, _, anchor = href.partition("#")
                line = (token.map[0] + 1) if token.map else 0
                path = (page.parent / target).resolve() if target else page
                found.append(Reference(f"docs/{page.name}:{line}", path, anchor or None))
    return found


def broken(references: list[Reference]) -> list[str]:
    problems = []
    for ref in references:
        if not ref.target.is_file():
            problems.append(f"{ref} (no such file)")
        elif ref.anchor is not None and ref.anchor not in anchors_of(ref.target):
            problems.append(f"{ref} (no such heading; headings: {', '.join(sorted(anchors_of(ref.target)))})")
    return problems


def test_github_slugs_follow_githubs_rules() -> None:
    assert github_slug("A run's data flow") == "a-runs-data-flow"
    assert github_slug("Blended vs separated") == "blended-vs-separated"
    assert github_slug("API commitment per period") == "api-commitment-per-period"
    assert github_slug("`usage_preset` and friends (3.1)") == "usage_preset-and-friends-31"


def test_headings_inside_code_blocks_are_not_anchors(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n```\n# not a heading\n```\n\n## Title\n", encoding="utf-8")
    assert anchors_of(page) == {"title", "title-1"}


def test_every_docs_reference_names_an_existing_file_and_heading() -> None:
    problems = broken(docs_references())
    assert not problems, "broken documentation references:\n" + "\n".join(problems)


def test_the_scanner_finds_the_codes_references_to_the_docs() -> None:
    references = docs_references()
    outside_docs = [r for r in references if not r.source.startswith("docs/")]
    assert len(outside_docs) > MINIMUM_REFERENCES, f"only {len(outside_docs)} references found"


def test_links_between_docs_pages_resolve() -> None:
    links = links_between_docs()
    assert len(links) > 10, "the docs pages link to each other: the link scanner found too few"
    problems = broken(links)
    assert not problems, "broken links between docs pages:\n" + "\n".join(problems)


def test_no_reference_to_the_absent_design_document_remains() -> None:
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}"
        for path in scanned_files()
        for number, line in enumerate(lines_of(path), start=1)
        if OLD_DESIGN_REFERENCE.search(line)
    ]
    assert not found, "references to a design document that is not in the repository:\n" + "\n".join(found)


def test_repository_paths_named_in_the_docs_exist() -> None:
    missing = []
    for page in sorted(DOCS.glob("*.md")):
        for token in MARKDOWN.parse(page.read_text(encoding="utf-8")):
            for child in token.children or []:
                path = child.content.rstrip(".,:;") if child.type == "code_inline" else ""
                if REPOSITORY_PATH.match(path) and not any(ROOT.glob(path)):  # a pattern matches a file
                    missing.append(f"docs/{page.name}: `{path}`")
    assert not missing, "the docs name paths that do not exist:\n" + "\n".join(missing)


def test_every_setting_read_from_the_environment_is_documented() -> None:
    settings = (ROOT / "procurement" / "settings.py").read_text(encoding="utf-8")
    variables = sorted(set(SETTINGS_VARIABLE.findall(settings)))
    assert len(variables) > 20, "the settings scanner found too few variables"
    operations = (DOCS / "operations.md").read_text(encoding="utf-8")
    section = operations.split("\n## Settings\n", 1)[-1].split("\n## ", 1)[0]
    undocumented = [name for name in variables if f"`{name}`" not in section]
    assert not undocumented, f"not in docs/operations.md#settings: {', '.join(undocumented)}"
