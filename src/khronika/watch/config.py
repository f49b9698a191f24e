"""The watch configuration: a TOML file of ``[[source]]`` tables and an optional ``[watch]``
table of politeness settings. Every mistake is refused with the file, the source and the field
named; nothing is guessed or silently corrected."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from khronika.watch.fetch import DEFAULT_USER_AGENT

KINDS = ("rss", "telegram", "page", "folder")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_SOURCE_KEYS = {"id", "kind", "url", "path", "interval", "language", "outlet"}
_WATCH_KEYS = {"user_agent", "host_delay", "min_interval", "timeout", "workers", "max_bytes"}
DEFAULT_INTERVAL = 300.0


class ConfigError(Exception):
    """The config cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class WatchSettings:
    """How politely and how widely the watcher polls."""

    user_agent: str = DEFAULT_USER_AGENT
    host_delay: float = 1.0  # seconds between two requests to one host
    min_interval: float = 60.0  # no source is polled more often than this
    timeout: float = 20.0
    workers: int = 4  # requests in flight at once (to different hosts)
    max_bytes: int = 10_000_000


@dataclass(frozen=True)
class SourceConfig:
    """One ``[[source]]``: ``url`` for feeds, channels and pages, ``path`` for folders."""

    id: str
    kind: str
    location: str  # the URL, or the folder's absolute path
    interval: float
    language: str | None = None
    outlet: str | None = None


@dataclass(frozen=True)
class WatchConfig:
    path: Path
    settings: WatchSettings
    sources: tuple[SourceConfig, ...]


def load_config(path: str | Path) -> WatchConfig:
    """Read and check a watch config; relative folder paths are relative to the file."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    unknown = set(document) - {"watch", "source"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown table {sorted(unknown)[0]!r} (expected [watch] and [[source]])"
        )
    settings = _settings(path, document.get("watch", {}))
    tables = document.get("source", [])
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}: no [[source]] tables: nothing to watch")
    sources = tuple(
        _source(path, number, table, settings) for number, table in enumerate(tables, 1)
    )
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise ConfigError(f"{path}: two sources have the id {source.id!r}")
        seen.add(source.id)
    return WatchConfig(path, settings, sources)


def _settings(path: Path, table: Any) -> WatchSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [watch] must be a table")
    _no_unknown(path, "[watch]", table, _WATCH_KEYS)
    defaults = WatchSettings()
    user_agent = table.get("user_agent", defaults.user_agent)
    if not isinstance(user_agent, str) or not user_agent.strip():
        raise ConfigError(f"{path}: [watch] user_agent must be a non-empty string")
    return WatchSettings(
        user_agent=user_agent,
        host_delay=_number(path, "[watch] host_delay", table, defaults.host_delay, low=0),
        min_interval=_number(path, "[watch] min_interval", table, defaults.min_interval, low=0.1),
        timeout=_number(path, "[watch] timeout", table, defaults.timeout, low=0.1),
        workers=int(_number(path, "[watch] workers", table, defaults.workers, low=1, whole=True)),
        max_bytes=int(
            _number(path, "[watch] max_bytes", table, defaults.max_bytes, low=1, whole=True)
        ),
    )


def _source(path: Path, number: int, table: Any, settings: WatchSettings) -> SourceConfig:
    where = f"source {number}"
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table ([[source]])")
    source_id = table.get("id")
    if not isinstance(source_id, str) or not _ID.fullmatch(source_id):
        raise ConfigError(
            f"{path}: {where}: id must be letters, digits, '.', '_' or '-' (got {source_id!r})"
        )
    where = f"source {source_id!r}"
    _no_unknown(path, where, table, _SOURCE_KEYS)
    kind = table.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{path}: {where}: kind must be one of {', '.join(KINDS)} (got {kind!r})")
    interval = _number(path, f"{where}: interval", table, DEFAULT_INTERVAL, low=0.1)
    if interval < settings.min_interval:
        raise ConfigError(
            f"{path}: {where}: interval {interval:g} s is below the minimum of "
            f"{settings.min_interval:g} s (lower [watch] min_interval to allow it)"
        )
    location = _folder(path, where, table) if kind == "folder" else _url(path, where, kind, table)
    language, outlet = table.get("language"), table.get("outlet")
    for name, value in (("language", language), ("outlet", outlet)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{path}: {where}: {name} must be a non-empty string")
    return SourceConfig(source_id, kind, location, interval, language, outlet)


def _url(path: Path, where: str, kind: str, table: dict[str, Any]) -> str:
    if "path" in table:
        raise ConfigError(f"{path}: {where}: a {kind} source has a url, not a path")
    url = table.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{path}: {where}: url is missing")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{path}: {where}: url must be an http(s) URL (got {url!r})")
    if kind == "telegram" and parts.hostname == "t.me" and not parts.path.startswith("/s/"):
        name = parts.path.strip("/").split("/")[0]
        raise ConfigError(
            f"{path}: {where}: a channel is read from its public preview: "
            f"use https://t.me/s/{name or '<channel>'}"
        )
    return url.strip()


def _folder(path: Path, where: str, table: dict[str, Any]) -> str:
    if "url" in table:
        raise ConfigError(f"{path}: {where}: a folder source has a path, not a url")
    folder = table.get("path")
    if not isinstance(folder, str) or not folder.strip():
        raise ConfigError(f"{path}: {where}: path is missing")
    resolved = (path.parent / Path(folder).expanduser()).resolve()
    if not resolved.is_dir():
        raise ConfigError(f"{path}: {where}: path {folder!r} is not a directory ({resolved})")
    return str(resolved)


def _no_unknown(path: Path, where: str, table: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{path}: {where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )


def _number(
    path: Path,
    name: str,
    table: dict[str, Any],
    default: float,
    low: float,
    whole: bool = False,
) -> float:
    key = name.rsplit(" ", 1)[-1]
    value = table.get(key, default)
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < low:
        what = "a whole number" if whole else "a number"
        raise ConfigError(f"{path}: {name} must be {what} of at least {low:g} (got {value!r})")
    return float(value)
