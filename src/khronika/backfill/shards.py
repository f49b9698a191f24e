"""A backfill's work dir: the inputs cut into shards, one Parquet file per extracted shard, and
a manifest of what each run did.

A shard is K consecutive input items (reports, or read errors, which are kept too so that none
is lost), named by its position and a digest of its items: a rerun over the same inputs finds
the shards already done, and an input that changed gives a new name, so a stale file is never
taken for a fresh one. A shard file is written under a temporary name and renamed when complete,
so after a kill at any moment it is either there whole or not at all.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from khronika.ingest import ReadError
from khronika.records import Report

SHARD_SIZE = 500
MANIFEST = "manifest.json"
LOCK = ".lock"
MANIFEST_VERSION = 1

# One row per input item. A read error has only its origin and message; an extraction that
# raised has its error and no events; ``language`` is the one extraction detected.
SCHEMA = pa.schema(
    [
        ("ordinal", pa.int32()),
        ("report", pa.string()),  # the Report as read: its to_dict() plus its text, JSON
        ("read_error_origin", pa.string()),
        ("read_error_message", pa.string()),
        ("language", pa.string()),
        ("events", pa.string()),  # JSON list of Event.to_dict()
        ("background", pa.string()),
        ("error_type", pa.string()),
        ("error", pa.string()),
        ("mentions", pa.int32()),
    ]
)


class WorkDirError(Exception):
    """The work dir cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class Shard:
    """K consecutive input items, as plain records a worker can be sent."""

    index: int
    items: list[dict[str, Any]]
    digest: str

    @property
    def name(self) -> str:
        return f"shard-{self.index:06d}-{self.digest}.parquet"


@dataclass(frozen=True)
class ShardOutcome:
    """What a worker sends back for a shard: the Parquet file's bytes and its figures."""

    index: int
    data: bytes
    reports: int
    failed: int
    mentions: int
    seconds: float
    pid: int
    peak_rss_kb: int


def item_record(item: Report | ReadError) -> dict[str, Any]:
    if isinstance(item, Report):
        return {"report": {**item.to_dict(), "text": item.text}}
    return {"read_error": {"origin": item.origin, "message": item.message}}


def plan(items: Iterable[Report | ReadError], size: int = SHARD_SIZE) -> Iterator[Shard]:
    """The shards of the items in input order, each ``size`` long (the last one shorter)."""
    batch: list[dict[str, Any]] = []
    index = 0
    for item in items:
        batch.append(item_record(item))
        if len(batch) == size:
            yield Shard(index, batch, _digest(batch))
            batch, index = [], index + 1
    if batch:
        yield Shard(index, batch, _digest(batch))


def _digest(records: list[dict[str, Any]]) -> str:
    """The items' content, without the time they were read (which every run sets anew)."""
    digest = hashlib.sha256()
    for record in records:
        report = record.get("report")
        if report is not None:
            record = {"report": {k: v for k, v in report.items() if k != "received"}}
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def encode(rows: list[dict[str, Any]]) -> bytes:
    """One shard's rows as a Parquet file."""
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of one shard file, in input order."""
    try:
        table = pq.read_table(path, schema=SCHEMA)
    except (OSError, pa.ArrowException) as error:
        raise WorkDirError(f"{path}: not a readable shard file: {error}") from None
    yield from table.to_pylist()


class WorkDir:
    """The folder a backfill keeps its shards and manifest in; a rerun reuses what is done.

    One backfill at a time holds it (a lock the system drops when the process dies, even by
    ``kill -9``), so the temporary files a killed run left can be removed safely."""

    def __init__(self, path: str | os.PathLike[str], shard_size: int) -> None:
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WorkDirError(f"{self.path}: cannot create the work dir: {_why(error)}") from None
        if not os.access(self.path, os.W_OK | os.X_OK | os.R_OK):
            raise WorkDirError(f"{self.path}: the work dir is not readable and writable")
        self._lock = self._hold()
        for left in self.path.glob(".*.tmp*"):
            left.unlink(missing_ok=True)
        self.manifest = self._read_manifest()
        self.manifest.update(version=MANIFEST_VERSION, shard_size=shard_size)
        self.manifest.setdefault("shards", {})

    def _hold(self) -> IO[bytes]:
        try:
            handle = (self.path / LOCK).open("ab")
        except OSError as error:
            raise WorkDirError(f"{self.path / LOCK}: cannot open: {_why(error)}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise WorkDirError(f"{self.path}: another backfill is using this work dir") from None
        return handle

    def close(self) -> None:
        """Let another backfill use the work dir."""
        self._lock.close()

    def _read_manifest(self) -> dict[str, Any]:
        path = self.path / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise WorkDirError(
                f"{path}: not a readable backfill manifest ({_why(error)}); "
                "remove it, or give another --work-dir"
            ) from None
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            raise WorkDirError(
                f"{path}: not a backfill manifest of version {MANIFEST_VERSION}; "
                "remove it, or give another --work-dir"
            )
        return data

    def file(self, shard: Shard) -> Path:
        return self.path / shard.name

    def done(self, shard: Shard) -> bool:
        """Whether the shard's file is there and complete (its Parquet footer reads)."""
        path = self.file(shard)
        if not path.is_file():
            return False
        try:
            pq.read_metadata(path)
        except (OSError, pa.ArrowException):
            return False  # not ours or damaged: extracted again and replaced
        return True

    def write(self, shard: Shard, outcome: ShardOutcome) -> None:
        """Keep a shard's file (atomically) and its line in the manifest; drop the files of
        the same position that earlier inputs made."""
        path = self.file(shard)
        _write_atomically(path, outcome.data)
        for old in self.path.glob(f"shard-{shard.index:06d}-*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
        figures = {k: v for k, v in asdict(outcome).items() if k not in ("index", "data")}
        figures.update(file=shard.name, written=time.time())
        self.manifest["shards"][str(shard.index)] = figures
        self.save_manifest()

    def save_manifest(self, **fields: Any) -> None:
        self.manifest.update(fields)
        text = json.dumps(self.manifest, indent=1, sort_keys=True)
        _write_atomically(self.path / MANIFEST, text.encode("utf-8"))


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise WorkDirError(f"{path}: cannot write: {_why(error)}") from None


def _why(error: BaseException) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)
