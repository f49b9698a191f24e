"""Readers that turn files into Reports, and the dispatcher that picks one per input.

Bad input never raises: each bad file or record becomes one ReadError and reading goes on.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from khronika.ingest.base import FORMATS, BadInput, Input, Reader, ReadError, ReadOptions
from khronika.ingest.channel_page import read_channel_page
from khronika.ingest.decode import decode
from khronika.ingest.feed import read_feed
from khronika.ingest.jsondoc import read_json, read_json_lines, read_telegram
from khronika.ingest.parquet import is_parquet, read_parquet
from khronika.ingest.table import read_table
from khronika.ingest.text import read_text
from khronika.ingest.webpage import read_html
from khronika.records import Report

__all__ = [
    "FORMATS",
    "ReadError",
    "ReadOptions",
    "file_identity",
    "read_bytes",
    "read_paths",
    "walk_files",
]

READERS: dict[str, Reader] = {
    "text": read_text,
    "html": read_html,
    "json": read_json,
    "jsonl": read_json_lines,
    "csv": read_table,
    "telegram": read_telegram,
    "feed": read_feed,
    "channel": read_channel_page,
}
_SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}
STDIN_ORIGIN = "<stdin>"
DEFAULT_OPTIONS = ReadOptions()  # frozen, so one shared default is safe


def read_paths(
    paths: Sequence[str | Path], options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[Report | ReadError]:
    """Reports from files, directories (recursed in sorted order, hidden entries skipped) and
    ``-`` for standard input."""
    for path in paths:
        if str(path) == "-":
            yield from _read_stdin(options)
        else:
            yield from _read_path(Path(path), options, _root_of(Path(path)))


def file_identity(root: Path, path: Path) -> str:
    """What names a file across runs, whatever its content: its path under the input root (the
    folder given, or a given file's folder), so an edited file is a revision of the same
    report, and a copy of a folder ingested again (or a watched inbox) names the same reports."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):  # a link out of the root: the path as given names it
        return path.as_posix()


def read_bytes(
    data: bytes,
    origin: str,
    options: ReadOptions = DEFAULT_OPTIONS,
    identity: str | None = None,
) -> Iterator[Report | ReadError]:
    """Reports from one input's bytes; ``origin`` names it in errors and picks the reader by
    its extension unless ``options.format`` is set (unknown extensions are sniffed);
    ``identity`` (``file_identity``) gives a text file without an id of its own its id."""
    if options.format is not None and options.format not in FORMATS:
        yield ReadError(
            origin, f"unknown format '{options.format}' (formats: {', '.join(FORMATS)})"
        )
        return
    if len(data) > options.max_bytes:
        yield ReadError(origin, _too_large(len(data), options.max_bytes))
        return
    if options.format == "parquet" or (
        options.format is None and (is_parquet(data) or origin.lower().endswith(".parquet"))
    ):  # binary: read as a table, not decoded as text
        received = datetime.now(UTC).replace(tzinfo=None)
        yield from read_parquet(Input(origin, data, "", "utf-8", received), options)
        return
    try:
        decoded = decode(data)
        if not decoded.text.strip():
            raise BadInput("empty file")
        received = datetime.now(UTC).replace(tzinfo=None)
        source = Input(
            origin, data, decoded.text, decoded.encoding, received, decoded.warnings, identity
        )
        reader = READERS[options.format or _format_of(origin, decoded.text)]
        yield from reader(source, options)
    except BadInput as error:
        yield ReadError(origin, str(error))
    except (ValueError, LookupError, RecursionError, UnicodeError) as error:
        # a third-party parser (feeds, pages) failing on odd input: still one clear error
        yield ReadError(origin, f"could not read it ({type(error).__name__}: {error})")


def _root_of(path: Path) -> Path:
    """The input root of a path the user gave: a directory itself, a file's directory."""
    try:
        return path if path.is_dir() else path.parent
    except OSError:  # a link loop: is_dir() cannot tell, and the file is refused anyway
        return path.parent


def _read_path(path: Path, options: ReadOptions, root: Path) -> Iterator[Report | ReadError]:
    try:
        info = path.stat()
    except FileNotFoundError:
        dangling = path.is_symlink()
        yield ReadError(
            str(path), "dangling symbolic link" if dangling else "no such file or directory"
        )
        return
    except OSError as error:
        yield ReadError(str(path), f"cannot access: {error.strerror or error}")
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _read_directory(path, options, root)
    elif stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode):
        yield ReadError(str(path), "a pipe or socket, not a file (give it as - on stdin)")
    elif not stat.S_ISREG(info.st_mode):
        yield ReadError(str(path), "not a regular file")
    elif info.st_size > options.max_bytes:
        yield ReadError(str(path), _too_large(info.st_size, options.max_bytes))
    else:
        try:
            data = path.read_bytes()
        except OSError as error:
            yield ReadError(str(path), f"cannot read: {error.strerror or error}")
            return
        yield from read_bytes(data, str(path), options, file_identity(root, path))


def _read_directory(
    directory: Path, options: ReadOptions, root: Path
) -> Iterator[Report | ReadError]:
    for item in walk_files(directory):
        if isinstance(item, ReadError):
            yield item
        else:
            yield from _read_path(item, options, root)


def walk_files(directory: Path) -> Iterator[Path | ReadError]:
    """What is not a directory under ``directory``, in name order, depth first; hidden entries
    and links to directories skipped; a directory that cannot be listed is one ReadError."""
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        yield ReadError(str(directory), f"cannot list directory: {error.strerror or error}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            linked_directory = entry.is_dir()
        except OSError as error:  # a link loop
            yield ReadError(str(path), f"cannot access: {error.strerror or error}")
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from walk_files(path)
        elif not linked_directory:
            yield path


def _read_stdin(options: ReadOptions) -> Iterator[Report | ReadError]:
    try:
        stream = getattr(sys.stdin, "buffer", None)  # None when stdin was replaced by text
        data = (
            stream.read(options.max_bytes + 1)
            if stream is not None
            else sys.stdin.read(options.max_bytes + 1).encode("utf-8")
        )
    except OSError as error:
        yield ReadError(STDIN_ORIGIN, f"cannot read: {error.strerror or error}")
        return
    if len(data) > options.max_bytes:
        limit = _size(options.max_bytes)
        yield ReadError(STDIN_ORIGIN, f"too large: over the limit of {limit} (--max-bytes)")
        return
    yield from read_bytes(data, STDIN_ORIGIN, options)


def _too_large(size: int, limit: int) -> str:
    return f"too large: {_size(size)}, the limit is {_size(limit)} (--max-bytes)"


def _size(size: int) -> str:
    """Megabytes as the --max-bytes help states them; small sizes in bytes."""
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size} bytes"


def _format_of(origin: str, text: str) -> str:
    """The reader for a file's extension, else by looking at its start; text by default."""
    known = _SUFFIXES.get(Path(origin).suffix.lower())
    if known:
        return known
    head = text.lstrip()[:2000].lower()
    if head.startswith(("<!doctype html", "<html")):
        return "html"
    if head.startswith(("<?xml", "<rss", "<feed", "<rdf:rdf")) and (
        "<rss" in head or "<feed" in head or "<rdf:rdf" in head
    ):
        return "feed"
    if head.startswith(("{", "[")) and _parses_as_json(text):
        return "json"
    return "text"


def _parses_as_json(text: str) -> bool:
    """Whole-document JSON, or JSON Lines whose first line is an object."""
    try:
        json.loads(text)
        return True
    except (ValueError, RecursionError):
        first = text.lstrip().split("\n", 1)[0]
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False
