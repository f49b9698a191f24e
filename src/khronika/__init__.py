"""Khronika: conflict news in, geocoded, dated, source-attributed events out."""

from __future__ import annotations

from typing import Any

from khronika.records import Event, Report

__all__ = ["Event", "Report", "extract"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The API pulls in the gazetteer and extraction; import it only when asked for.
    if name == "extract":
        from khronika.api import extract

        return extract
    raise AttributeError(f"module 'khronika' has no attribute {name!r}")
