"""Why a database could not be opened as a Khronika store (the store names the file)."""

from __future__ import annotations


class UnknownSchema(Exception):
    """The database holds a schema version this Khronika cannot read or migrate."""

    def __init__(self, version: str) -> None:
        super().__init__(version)
        self.version = version


class NoSchema(Exception):
    """Asked to open an existing store, the database holds none."""


class NeedsMigration(Exception):
    """Opened read-only, the database holds an older schema that only a writer can migrate."""

    def __init__(self, version: str) -> None:
        super().__init__(version)
        self.version = version


class StoreError(Exception):
    """The database cannot be opened or used; the message names the file."""


class StoreBusy(StoreError):
    """Another writer held the database locked past every retry; worth trying again later."""


class StoreDamaged(StoreError):
    """The database file is damaged: reads fail or its check finds broken pages."""


def explain(name: str, error: Exception) -> str:
    """One line for a database error met while running a command: the database, what went
    wrong and what to do."""
    if isinstance(error, StoreBusy):
        return str(error)
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    lowered = text.lower()
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return (
            f"{name}: damaged, or not a Khronika database ({text}): "
            f"`khronika check --db {name}` says more"
        )
    if "full" in lowered:
        return (
            f"{name}: {text}: nothing of the unfinished step was written; free some space "
            "and run the command again"
        )
    if "locked" in lowered:
        return f"{name}: {text}: another writer kept it locked; run the command again later"
    if "readonly" in lowered or "read-only" in lowered:
        return f"{name}: cannot write ({text}): the file or its folder is read-only"
    return f"{name}: database error: {text} (`khronika check --db {name}` says more)"
