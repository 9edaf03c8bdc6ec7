"""Folder and label counters, moved by deltas in the transaction that changes messages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Folder, Label, table_of


class CounterDeltas:
    """Accumulates (total, unread) deltas per folder and per label, then applies them."""

    __slots__ = ("folders", "labels")

    def __init__(self) -> None:
        self.folders: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        self.labels: dict[int, list[int]] = defaultdict(lambda: [0, 0])

    def add_message(self, folder_id: int, label_ids: Iterable[int], *, unread: bool, sign: int = 1) -> None:
        """Count a message in (sign=1) or out of (sign=-1) its folder and labels."""
        u = sign if unread else 0
        f = self.folders[folder_id]
        f[0] += sign
        f[1] += u
        for label_id in label_ids:
            lab = self.labels[label_id]
            lab[0] += sign
            lab[1] += u

    def add_unread(self, folder_id: int, label_ids: Iterable[int], delta: int) -> None:
        """A message of this folder and labels became unread (+1) or read (-1)."""
        self.folders[folder_id][1] += delta
        for label_id in label_ids:
            self.labels[label_id][1] += delta

    def add_label(self, label_id: int, *, unread: bool, sign: int = 1) -> None:
        """A message (unread or not) got this label (sign=1) or lost it (sign=-1)."""
        lab = self.labels[label_id]
        lab[0] += sign
        lab[1] += sign if unread else 0

    def move_message(self, from_folder: int, to_folder: int, *, unread: bool) -> None:
        """A message left one folder for another; its labels keep their counts."""
        self.add_message(from_folder, (), unread=unread, sign=-1)
        self.add_message(to_folder, (), unread=unread)

    @property
    def touched_folders(self) -> list[int]:
        return [fid for fid, (t, u) in self.folders.items() if t or u]

    async def apply(self, session: AsyncSession) -> list[int]:
        """Write the deltas; returns the ids of the folders whose counts moved."""
        folders = table_of(Folder)
        labels = table_of(Label)
        frows = [{"fid": k, "dt": t, "du": u} for k, (t, u) in sorted(self.folders.items()) if t or u]
        lrows = [{"lid": k, "dt": t, "du": u} for k, (t, u) in sorted(self.labels.items()) if t or u]
        if frows:
            await session.execute(
                update(folders)
                .where(folders.c.id == bindparam("fid"))
                .values(
                    total_count=folders.c.total_count + bindparam("dt"),
                    unread_count=folders.c.unread_count + bindparam("du"),
                )
                .execution_options(synchronize_session=False),
                frows,
            )
        if lrows:
            await session.execute(
                update(labels)
                .where(labels.c.id == bindparam("lid"))
                .values(
                    message_count=labels.c.message_count + bindparam("dt"),
                    unread_count=labels.c.unread_count + bindparam("du"),
                )
                .execution_options(synchronize_session=False),
                lrows,
            )
        self.folders.clear()
        self.labels.clear()
        return [r["fid"] for r in frows]
