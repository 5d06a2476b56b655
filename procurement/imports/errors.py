"""The one error an import raises: a refused file, named down to the row and field."""

from __future__ import annotations


class UsageFileError(ValueError):
    """A usage file that cannot be imported. Nothing from it may be kept.

    `str()` reads `"<file>: <row>.<field>: <message>"` (row and field when there are any), e.g.
    `negative-tokens.daily.json: daily[3].outputTokens: negative token count (-70562)`.
    """

    def __init__(self, *, file: str, message: str, row: str | None = None, field: str | None = None) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.message = message
        super().__init__(str(self))

    @property
    def location(self) -> str:
        """`row.field`, `row` or `field`; empty when the error is about the whole file."""
        return ".".join(part for part in (self.row, self.field) if part)

    def __str__(self) -> str:
        where = self.location
        return f"{self.file}: {where}: {self.message}" if where else f"{self.file}: {self.message}"
