"""Bytes to text: strict UTF-8 first, then byte-order marks, then single-byte encodings."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer

from khronika.ingest.base import BadInput

_BOMS = (  # UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"PK\x03\x04", "ZIP"),
    (b"PK\x05\x06", "ZIP"),
    (b"%PDF-", "PDF"),
    (b"\x1f\x8b", "gzip"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)
# Control bytes that do not occur in text (tab, newlines, form feed and escape are allowed).
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32), 127])
_MAX_CONTROL_SHARE = 0.05
# Candidates for text that is not UTF-8: Cyrillic code pages, then Western European ones.
_SINGLE_BYTE = ["cp1251", "koi8_r", "cp866", "iso8859_5", "cp1252", "latin_1"]
_MIN_CYRILLIC_SHARE = 0.5


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes) -> Decoded:
    """Decode ``data`` or raise BadInput saying why it is not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError as error:
                raise BadInput(
                    f"undecodable text: starts with a {encoding} byte-order mark but "
                    f"byte {error.start} is invalid"
                ) from None
    _refuse_binary(data)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    cyrillic = _as_cyrillic(data)
    if cyrillic is not None:
        return Decoded(cyrillic, "cp1251")
    best = charset_normalizer.from_bytes(data, cp_isolation=_SINGLE_BYTE).best()
    if best is None:
        raise BadInput(
            "undecodable text: not UTF-8, UTF-16 or a known Cyrillic or Western code page"
        )
    encoding = codecs.lookup(best.encoding).name
    return Decoded(data.decode(encoding), encoding)


def _refuse_binary(data: bytes) -> None:
    """Raise BadInput for images, archives and other non-text bytes."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise BadInput(f"binary file, not text (looks like {kind})")
    if b"\x00" in data:
        raise BadInput("binary file, not text (contains NUL bytes)")
    control = len(data) - len(data.translate(None, delete=_CONTROL_BYTES))
    if data and control / len(data) > _MAX_CONTROL_SHARE:
        raise BadInput("binary file, not text (mostly control bytes)")


def _as_cyrillic(data: bytes) -> str | None:
    """The cp1251 reading of ``data`` when it is mostly Cyrillic letters, else None."""
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        return None
    letters = [char for char in text if char.isalpha()]
    cyrillic = sum(1 for char in letters if "\u0400" <= char <= "\u04ff")
    return text if letters and cyrillic / len(letters) >= _MIN_CYRILLIC_SHARE else None
