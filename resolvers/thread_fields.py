"""The registry of mail_thread fields: each field's column, validation, tracking and sheet column.

Tracking (``tracking.current_values``), the writes (``thread_store``), the sheet import and
export (``thread_sheets``, ``thread_export``), the printout and the creation-form draft read
this list, so a new field of mail_threads is declared here once (with its model column, its
migration and its place in the contract) instead of in each of them.

``followers`` is a field too, though not a column: its value is the follower list rendered
as one stable string (the logins sorted, joined with ", "; null when nobody follows).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from resolvers.errors import BadUserInput

MAX_NAME = 1024
#: The sheet column that holds the thread's key (not a field: it names the row).
ID_COLUMN = "id"


def check_name(name: str | None) -> str:
    """A thread name: 1..1024 characters once stripped."""
    text = (name or "").strip()
    if not text or len(text) > MAX_NAME:
        raise BadUserInput(f"a mail thread name has 1 to {MAX_NAME} characters", argument="name")
    return text


def render_followers(logins: Sequence[str]) -> str | None:
    """The follower list as one stable string: sorted logins joined with ', '."""
    return ", ".join(sorted(logins, key=lambda s: (s.casefold(), s))) or None


@dataclass(frozen=True, slots=True)
class ThreadField:
    """One field of a mail thread, as every reader of the registry sees it."""

    #: The name in the contract, in tracking values and as the sheet's column header.
    name: str
    #: The mail_threads column; None for followers (a table of its own).
    column: str | None = None
    #: Whether trackPrepare/trackFinalize, updateMailThread and mailTrack follow it.
    tracked: bool = True
    #: Whether the export, the template and the import have a column for it.
    in_sheet: bool = True
    #: The label of its line in a printout's details; None: not listed there.
    print_label: str | None = None
    #: Checks a given value and returns what is stored (BAD_USER_INPUT otherwise); None: taken as given.
    check: Callable[[str | None], Any] | None = None
    #: Further columns that follow from the stored value (e.g. the casefolded sort key).
    derived: Callable[[Any], dict[str, Any]] | None = None
    #: The value of a new thread that was given none.
    default: Any = None

    def checked(self, value: str | None) -> Any:
        """``value`` as stored, checked."""
        return self.check(value) if self.check is not None else value

    def columns(self, value: Any) -> dict[str, Any]:
        """The mail_threads columns a stored value sets."""
        if self.column is None:
            return {}
        values = {self.column: value}
        if self.derived is not None:
            values.update(self.derived(value))
        return values


NAME = ThreadField("name", "name", check=check_name, derived=lambda v: {"name_key": v.casefold()}, default="")
FOLLOWERS = ThreadField("followers", print_label="Followers")

#: Every field, in the order tracking reports changes and the sheet lists columns.
FIELDS: tuple[ThreadField, ...] = (NAME, FOLLOWERS)
BY_NAME: dict[str, ThreadField] = {f.name: f for f in FIELDS}
#: The fields stored as columns of mail_threads.
COLUMN_FIELDS: tuple[ThreadField, ...] = tuple(f for f in FIELDS if f.column is not None)
TRACKED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.tracked)
#: The sheet's columns, the same for the template, the export and the import.
SHEET_COLUMNS: tuple[str, ...] = (ID_COLUMN, *(f.name for f in FIELDS if f.in_sheet))


def column_values(values: Mapping[str, Any], *, defaults: bool = False) -> dict[str, Any]:
    """The mail_threads columns for stored field ``values`` (by field name); with
    ``defaults``, the fields not given take their default (a new thread)."""
    columns: dict[str, Any] = {}
    for f in COLUMN_FIELDS:
        if f.name in values:
            columns.update(f.columns(values[f.name]))
        elif defaults:
            columns.update(f.columns(f.default))
    return columns


def cell(value: Any) -> str:
    """A field's value in a sheet cell."""
    return "" if value is None else str(value)
