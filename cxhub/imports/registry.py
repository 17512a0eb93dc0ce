"""What the CSV import runner knows about a kind of record: its columns and how to write a batch of rows.

cxhub imports none of the apps. Each app describes its kinds (customers, historical tickets, survey
responses ...) in its own `importers.py` and registers them in its AppConfig.ready(); the runner, the
pages and the command find them here by kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from cxhub.exceptions import DomainError

KEY_COLUMN = "external_id"  # every kind is keyed by the id the record has in the system it came from

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
REJECTED = "rejected"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, REJECTED)

ROW_ERRORS = "non_field_errors"  # the key of messages about a row as a whole


@dataclass(frozen=True)
class Column:
    """One column of a kind's file: its header name, what it holds, an example value."""

    name: str
    description: str | Promise
    example: str = ""
    required: bool = False


@dataclass(frozen=True)
class Row:
    """One data row as read: its line in the file (the header is line 1) and its cells by column name,
    stripped of surrounding spaces. A column the file does not have is absent; an empty cell is ""."""

    number: int
    values: Mapping[str, str]

    @property
    def external_id(self) -> str:
        return self.values.get(KEY_COLUMN, "")

    def given(self, *names: str) -> dict[str, str]:
        """The non-empty cells among `names` (all columns when none are named): an empty cell means
        "not given", so a new record takes the default and an existing one keeps its value."""
        wanted = names or tuple(self.values)
        return {name: self.values[name] for name in wanted if self.values.get(name, "") != ""}


@dataclass
class RowOutcome:
    """What became of one row: created, updated, unchanged, or rejected with messages per column."""

    status: str
    errors: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in OUTCOMES:
            raise ValueError(f"Unknown row outcome {self.status!r}")

    @classmethod
    def rejected(cls, errors: Mapping[str, Any]) -> RowOutcome:
        """A rejection from field errors as serializers and forms give them (lists or single messages,
        nested ones flattened)."""
        return cls(REJECTED, {name or ROW_ERRORS: _messages(value) for name, value in errors.items()})

    @classmethod
    def from_error(cls, error: DomainError, *, renames: Mapping[str, str] | None = None) -> RowOutcome:
        """A rejection from a service's DomainError; `renames` maps a service's field names to columns."""
        name = error.field or ROW_ERRORS
        return cls(REJECTED, {(renames or {}).get(name, name): [error.message]})


def _messages(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [message for inner in value.values() for message in _messages(inner)]
    if isinstance(value, list | tuple):
        return [message for inner in value for message in _messages(inner)]
    return [str(value)]


# Writes one batch of rows inside the runner's transaction and answers one outcome per row, in order.
# Each row is all or nothing: a rejected row leaves nothing behind (a savepoint per row, or checks
# before one bulk write). The runner has already refused rows with a missing required value, a
# repeated external_id or too many cells, so every row given has a non-empty, unique external_id.
BatchWriter = Callable[..., list[RowOutcome]]


@dataclass(frozen=True)
class Importer:
    """A kind of record a CSV file can bring in."""

    kind: str
    label: str | Promise
    description: str | Promise
    columns: tuple[Column, ...]
    write_batch: BatchWriter  # write_batch(rows, *, actor) -> outcomes
    permission: str  # what the person importing must hold too, e.g. "journeys.add_customer"
    position: int = 100  # place in lists: kinds other kinds refer to come first

    def __post_init__(self) -> None:
        names = [column.name for column in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"Importer {self.kind!r} names a column twice")
        key = next((column for column in self.columns if column.name == KEY_COLUMN), None)
        if key is None or not key.required:
            raise ValueError(f"Importer {self.kind!r} needs a required {KEY_COLUMN} column")

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    @property
    def example_row(self) -> list[str]:
        return [column.example for column in self.columns]

    def may_run(self, user: AbstractBaseUser) -> bool:
        return user.has_perm("cxhub.add_importjob") and user.has_perm(self.permission)


_importers: dict[str, Importer] = {}


def register_importer(kind: str, importer: Importer) -> None:
    """Make a kind importable. Called from an app's AppConfig.ready(); registering the same kind twice
    keeps the later one (the test runner may call ready() more than once)."""
    if kind != importer.kind:
        raise ValueError(f"Importer for {importer.kind!r} registered as {kind!r}")
    _importers[kind] = importer


def importer_get(kind: str) -> Importer:
    try:
        return _importers[kind]
    except KeyError:
        raise DomainError(_("There is no import of that kind."), field="kind") from None


def importer_list() -> list[Importer]:
    """Every registered importer, by position."""
    return sorted(_importers.values(), key=lambda importer: (importer.position, importer.kind))


def importers_for(user: AbstractBaseUser) -> list[Importer]:
    return [importer for importer in importer_list() if importer.may_run(user)]
