"""Why a database could not be opened as a Khronika store (the store names the file)."""

from __future__ import annotations


class UnknownSchema(Exception):
    """The database holds a schema version this Khronika cannot read or migrate."""

    def __init__(self, version: str) -> None:
        super().__init__(version)
        self.version = version


class NoSchema(Exception):
    """Asked to open an existing store, the database holds none."""


class StoreError(Exception):
    """The database cannot be opened or used; the message names the file."""
