"""Khronika: conflict news in, geocoded, dated, source-attributed events out."""

from khronika.api import extract
from khronika.records import Event, Report

__all__ = ["Event", "Report", "extract"]
__version__ = "0.1.0"
