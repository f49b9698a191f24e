"""Bytes to text: byte-order marks, UTF-16/32 told by their NUL bytes, strict UTF-8, then line
by line, so one odd byte or one line in another encoding never turns a whole file to mojibake.

Whatever decoding had to guess or repair is said in ``warnings``, kept with each report.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

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
    (b"PK\x03\x04", "ZIP; archives are not read: unpack it first"),
    (b"PK\x05\x06", "ZIP; archives are not read: unpack it first"),
    (b"%PDF-", "PDF"),
    (b"\x1f\x8b", "gzip; compressed files are not read: gunzip it first"),
    (b"BZh", "bzip2; compressed files are not read: unpack it first"),
    (b"\xfd7zXZ\x00", "xz; compressed files are not read: unpack it first"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip; archives are not read: unpack it first"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
# Control bytes that do not occur in text (tab, newlines, form feed and escape are allowed).
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32), 127])
_MAX_CONTROL_SHARE = 0.05
_MAX_NUL_SHARE = 0.01  # a few NUL bytes in text are a writer's slip; more make it binary
_WIDE_SHARE = 0.6  # share of the most common byte in the high lanes of UTF-16/32 text
# Candidates for text that is not UTF-8: Cyrillic code pages, then Western European ones.
_CYRILLIC_PAGES = ("cp1251", "koi8_r", "koi8_u", "cp866", "iso8859_5", "mac_cyrillic")
_SINGLE_BYTE = ["cp1251", "koi8_r", "cp866", "iso8859_5", "cp1252", "latin_1"]
_MIN_CYRILLIC_SHARE = 0.5
_LINES_SHOWN = 5
# UTF-8 read as cp1251 or Latin-1: a lead byte's letter ("Р", "С", "Ð", "Ñ") then a
# continuation byte's character, pair after pair.
_CONTINUATIONS_1251 = bytes(range(0x80, 0xC0)).decode("cp1251", errors="ignore")
_CONTINUATIONS_1252 = bytes(range(0x80, 0xC0)).decode("latin_1")
_MOJIBAKE = re.compile(
    f"[РС][{re.escape(_CONTINUATIONS_1251)}]|[ÐÑÃâ][{re.escape(_CONTINUATIONS_1252)}]"
)
_LETTERS = re.compile(r"[^\W\d_]")
_MOJIBAKE_SHARE = 0.2  # of the letters: a real text has next to none of these pairs


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warnings: tuple[str, ...] = field(default=())


def decode(data: bytes) -> Decoded:
    """Decode ``data`` or raise BadInput saying why it is not text."""
    warnings: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(Decoded(data.decode(encoding), encoding))
            except UnicodeDecodeError as error:
                if encoding != "utf-8-sig":
                    text = data.decode(encoding, errors="replace")
                    return _checked(Decoded(text, encoding, (_bad_bom(encoding, error),)))
                warnings.append(_bad_bom(encoding, error))
                data = data[len(bom) :]
                break
    _refuse_known_binary(data)
    wide = _wide_encoding(data)
    if wide is not None:
        return _checked(Decoded(data.decode(wide), wide, (f"no byte-order mark: read as {wide}",)))
    data = _without_stray_nuls(data, warnings)
    _refuse_binary(data)
    try:
        return _checked(Decoded(data.decode("utf-8"), "utf-8", tuple(warnings)))
    except UnicodeDecodeError:
        pass
    text, encoding = _by_lines(data, warnings)
    return _checked(Decoded(text, encoding, tuple(warnings)))


def _bad_bom(encoding: str, error: UnicodeDecodeError) -> str:
    return (
        "starts with a UTF-8 byte-order mark but is not UTF-8: read as what the bytes look like"
        if encoding == "utf-8-sig"
        else f"starts with a {encoding} byte-order mark but byte {error.start} is invalid in "
        "it: undecodable bytes replaced with U+FFFD"
    )


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32 (LE or BE) without a byte-order mark, told by its NUL bytes and its
    lanes: in UTF-16 of one script every other byte is the same (0x00 Latin, 0x04 Cyrillic),
    in UTF-32 two bytes of every four are zero."""
    size = len(data)
    if size < 4 or b"\x00" not in data:
        return None
    candidates: list[tuple[float, str]] = []
    if size % 4 == 0:
        candidates.append((_share_of_top(data[2::4] + data[3::4]), "utf-32-le"))
        candidates.append((_share_of_top(data[0::4] + data[1::4]), "utf-32-be"))
    if size % 2 == 0:
        candidates.append((_share_of_top(data[1::2]), "utf-16-le"))
        candidates.append((_share_of_top(data[0::2]), "utf-16-be"))
    for share, encoding in sorted(candidates, reverse=True):
        if share < _WIDE_SHARE:
            break
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.strip() and _control_share(text) <= _MAX_CONTROL_SHARE:
            return encoding
    return None


def _share_of_top(lane: bytes) -> float:
    """The share of ``lane`` that its most common byte takes."""
    return max(lane.count(byte) for byte in set(lane)) / len(lane) if lane else 0.0


def _control_share(text: str) -> float:
    control = sum(1 for char in text if char < " " and char not in "\t\n\r\f\x1b")
    return control / len(text)


def _without_stray_nuls(data: bytes, warnings: list[str]) -> bytes:
    """Text with a few NUL bytes loses them, saying so; many NUL bytes are left to refuse."""
    nuls = data.count(0)
    if nuls and nuls <= max(1, len(data) * _MAX_NUL_SHARE):
        warnings.append(f"{nuls} NUL byte{'s' if nuls > 1 else ''} removed from the text")
        return data.replace(b"\x00", b"")
    return data


def _refuse_known_binary(data: bytes) -> None:
    """Raise BadInput for images, archives and the other kinds their first bytes name."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise BadInput(f"binary file, not text (looks like {kind})")


def _refuse_binary(data: bytes) -> None:
    """Raise BadInput for bytes with NULs or mostly control bytes: not text."""
    if b"\x00" in data:
        raise BadInput("binary file, not text (contains NUL bytes)")
    control = len(data) - len(data.translate(None, delete=_CONTROL_BYTES))
    if data and control / len(data) > _MAX_CONTROL_SHARE:
        raise BadInput("binary file, not text (mostly control bytes)")


def _by_lines(data: bytes, warnings: list[str]) -> tuple[str, str]:
    """Text that is not all UTF-8: the UTF-8 lines as UTF-8, a line of UTF-8 with a few bad
    bytes with those replaced, and the other lines in the one code page they read best in."""
    lines = data.split(b"\n")
    kinds = [_line_kind(line) for line in lines]
    foreign = [line for line, kind in zip(lines, kinds, strict=True) if kind == "foreign"]
    encoding = _code_page(b"\n".join(foreign)) if foreign else "utf-8"
    if all(kind in ("ascii", "foreign") for kind in kinds):
        return data.decode(encoding), encoding  # one code page throughout: a single-byte file
    decoded: list[str] = []
    for line, kind in zip(lines, kinds, strict=True):
        if kind == "foreign":
            decoded.append(line.decode(encoding))
        elif kind == "damaged":
            decoded.append(line.decode("utf-8", errors="replace"))
        else:
            decoded.append(line.decode("utf-8"))
    numbered = list(enumerate(kinds, start=1))
    foreign_lines = [number for number, kind in numbered if kind == "foreign"]
    damaged_lines = [number for number, kind in numbered if kind == "damaged"]
    if foreign_lines:
        warnings.append(f"not UTF-8 in {_lines(foreign_lines)}: read as {encoding}")
    if damaged_lines:
        warnings.append(f"bytes invalid in UTF-8 replaced with U+FFFD in {_lines(damaged_lines)}")
    return "\n".join(decoded), "utf-8" if encoding == "utf-8" else f"utf-8+{encoding}"


def _lines(numbers: list[int]) -> str:
    """ "line 3", "lines 3, 7", "lines 3, 7, 9, 12, 15 and 980 more": one warning per file
    however many lines, since every record of the file carries it."""
    shown = ", ".join(map(str, numbers[:_LINES_SHOWN]))
    more = f" and {len(numbers) - _LINES_SHOWN} more" if len(numbers) > _LINES_SHOWN else ""
    return f"line {shown}" if len(numbers) == 1 else f"lines {shown}{more}"


def _line_kind(line: bytes) -> str:
    """ascii, utf-8, damaged (mostly valid UTF-8 sequences) or foreign (another encoding)."""
    if line.isascii():
        return "ascii"
    try:
        line.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    replaced = line.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd")
    good = sum(1 for char in replaced if char > "\x7f" and char != "\ufffd")
    return "damaged" if good > bad else "foreign"


def _code_page(data: bytes) -> str:
    """The single-byte encoding ``data`` reads best in; BadInput when none fits."""
    best = max(_CYRILLIC_PAGES, key=lambda page: _cyrillic_score(data, page))
    if _cyrillic_score(data, best) > 0:
        return best
    found = charset_normalizer.from_bytes(data, cp_isolation=_SINGLE_BYTE).best()
    if found is None:
        raise BadInput(
            "undecodable text: not UTF-8, UTF-16 or a known Cyrillic or Western code page"
        )
    return codecs.lookup(found.encoding).name


def _cyrillic_score(data: bytes, page: str) -> float:
    """How much ``data`` read in ``page`` looks like Cyrillic text: mostly Cyrillic letters,
    mostly lower case inside words, no symbols where letters should be; below 0 when not."""
    try:
        text = data.decode(page)
    except UnicodeDecodeError:
        return -1.0
    high = [char for char in text if char > "\x7f"]
    cyrillic = [char for char in high if "\u0400" <= char <= "\u04ff"]
    letters = sum(1 for char in text if char.isalpha())
    if not cyrillic or len(cyrillic) / letters < _MIN_CYRILLIC_SHARE:
        return -1.0  # "à" and "é" are "а" and "й" in cp1251: French is not Cyrillic
    lower = sum(1 for char in cyrillic if char.islower())
    pairs = zip(text, text[1:], strict=False)
    capital_inside = sum(1 for before, char in pairs if before.islower() and char.isupper())
    return (lower - 3 * capital_inside - 3 * (len(high) - len(cyrillic))) / len(high)


def _checked(decoded: Decoded) -> Decoded:
    """Say so when the decoded text looks broken: mojibake pairs or replacement characters."""
    text, extra = decoded.text, []
    pairs = len(_MOJIBAKE.findall(text))  # none at all in most texts: letters not counted then
    if pairs and 2 * pairs / len(_LETTERS.findall(text)) > _MOJIBAKE_SHARE:
        extra.append(
            "the text looks like mojibake (UTF-8 once read in a single-byte code page, "
            "e.g. 'Р\u045fСЂ'): kept as given"
        )
    replacements = text.count("\ufffd")
    if replacements and not any("U+FFFD" in warning for warning in decoded.warnings):
        extra.append(f"{replacements} replacement characters (U+FFFD) in the text")
    if not extra:
        return decoded
    return Decoded(text, decoded.encoding, (*decoded.warnings, *extra))
