"""What the command line writes, whatever the terminal's encoding: nothing a report holds may
crash the output or be lost from it. JSON is written with escapes where stdout cannot take
Unicode (still valid, still every character); exports are written as UTF-8, the encoding of
their formats; other text falls back to backslash escapes."""

from __future__ import annotations

import codecs
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _takes_unicode(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "ascii").name.startswith("utf")
    except LookupError:
        return False


def prepare_streams() -> None:
    """Text that stdout or stderr cannot encode comes out as backslash escapes, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and not _takes_unicode(stream.encoding):
            stream.reconfigure(errors="backslashreplace")


def json_text(data: Any, indent: int | None = None) -> str:
    """``data`` as JSON for stdout: Unicode as it is where stdout takes it, escaped where not."""
    ascii_only = not _takes_unicode(getattr(sys.stdout, "encoding", None))
    return json.dumps(data, ensure_ascii=ascii_only, indent=indent)


@contextmanager
def utf8_stdout(newline: str | None) -> Iterator[io.TextIOWrapper]:
    """stdout as UTF-8 text, for an export: its bytes do not depend on the terminal."""
    sys.stdout.flush()
    wrapper = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline=newline)
    try:
        yield wrapper
        wrapper.flush()
    finally:
        wrapper.detach()  # stdout's buffer stays open for what is printed after
