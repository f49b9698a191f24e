"""The bad-input corpus: over a hundred kinds of bad input, each generated here (no committed
binaries) and read beside a good file. Each must be read (good records kept, repairs said as
warnings) or give exactly the errors listed, each naming the input and the problem; never a
traceback, never a hang, never a good record lost. A sample goes through ``khronika ingest``.
"""

from __future__ import annotations

import codecs
import json
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import FrameType

import pytest

from khronika.cli import main
from khronika.ingest import ReadError, read_paths
from khronika.lang import load_pack
from khronika.language import detect_language
from khronika.places import Gazetteer
from khronika.records import Report
from khronika.store import Store
from khronika.time import find_dates

GUARD_SECONDS = 10
GOOD_NAME = "zz-good.txt"
EN = "A missile hit a printing house in Kharkiv on 23 May 2024; seven people were killed."
UK = "Унаслідок ракетного удару по Харкову загинули троє мирних жителів, повідомив губернатор."
RU = "В результате ракетного удара по Харькову погибли трое мирных жителей, сообщил губернатор."
FR = "Une frappe de missile russe sur Kharkiv a tué trois civils mardi, a déclaré le gouverneur."


@dataclass(frozen=True)
class Case:
    """One bad input: the file it is (bytes, or made by ``make``), how many reports and errors
    it must give, a phrase its error or warnings must hold, and text a report must hold."""

    name: str
    file: str
    data: bytes = b""
    reports: int = 1
    errors: int = 0
    note: str | None = None
    text: str | None = None
    make: Callable[[Path], None] | None = None


def record(**fields: object) -> dict[str, object]:
    return {"text": EN, **fields}


def jsonl(*lines: object) -> bytes:
    return "".join(f"{json.dumps(line)}\n" for line in lines).encode()


def telegram(*messages: object) -> bytes:
    export = {"name": "Test channel", "type": "public_channel", "id": 77, "messages": messages}
    return json.dumps(export, ensure_ascii=False).encode()


def message(number: int, text: object = EN, **fields: object) -> dict[str, object]:
    return {"id": number, "type": "message", "date": "2024-05-23T10:00:00", "text": text, **fields}


def rss(*items: str, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}<rss version="2.0"><channel>'
        f"<title>Wire</title>{''.join(items)}</channel></rss>"
    ).encode()


def item(guid: str, description: str = EN) -> str:
    return (
        f"<item><guid>{guid}</guid><title>Strike</title>"
        f"<description>{description}</description></item>"
    )


def encoded_cases() -> list[Case]:
    cases = [
        Case(f"uk-{page}", f"uk-{page}.txt", UK.encode(page), text=UK)
        for page in ("cp1251", "koi8_u", "iso8859_5", "mac_cyrillic")
    ]
    cases += [
        Case(f"ru-{page}", f"ru-{page}.txt", RU.encode(page), text=RU)
        for page in ("cp1251", "koi8_r", "cp866", "iso8859_5")
    ]
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(
            codec, codecs.BOM_UTF32_LE if codec == "utf-32-le" else codecs.BOM_UTF32_BE
        )
        cases.append(Case(f"{codec}-bom", f"{codec}-bom.txt", bom + UK.encode(codec), text=UK))
        cases.append(
            Case(f"{codec}-no-bom", f"{codec}.txt", UK.encode(codec), note="no byte-order", text=UK)
        )
        cases.append(Case(f"{codec}-en-no-bom", f"{codec}-en.txt", EN.encode(codec), text=EN))
    return cases


ENCODINGS = [
    *encoded_cases(),
    Case(
        "one-bad-byte",
        "one-bad-byte.txt",
        f"{UK}\n{UK}".encode() + b"\xff",
        note="U+FFFD",
        text=UK,
    ),
    Case(
        "mixed-lines",
        "mixed.txt",
        UK.encode() + b"\n" + RU.encode("cp1251"),
        note="not UTF-8 in line 2",
        text=RU,
    ),
    Case(
        "bom-then-cp1251",
        "bom-1251.txt",
        codecs.BOM_UTF8 + RU.encode("cp1251"),
        note="not UTF-8",
        text=RU,
    ),
    Case(
        "utf-16-bom-odd",
        "odd.txt",
        codecs.BOM_UTF16_LE + EN.encode("utf-16-le") + b"x",
        note="U+FFFD",
    ),
    Case("truncated-utf-8", "truncated.txt", UK.encode()[:-2], note="U+FFFD", text=UK[:-3]),
    Case("mojibake-1251", "mojibake.txt", UK.encode().decode("cp1251").encode(), note="mojibake"),
    Case(
        "mojibake-latin1",
        "mojibake-l1.txt",
        UK.encode().decode("latin_1").encode(),
        note="mojibake",
    ),
    Case("cp1252-french", "fr.txt", FR.encode("cp1252"), text=FR),
    Case("replacement-chars", "fffd.txt", f"{EN} \ufffd\ufffd".encode(), note="U+FFFD"),
]

BINARY = [
    Case("png-as-txt", "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 0, 1, "PNG"),
    Case("random-as-json", "noise.json", bytes(range(256)) * 8, 0, 1, "binary"),
    Case("pdf-as-csv", "doc.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", 0, 1, "PDF"),
    Case("gzip-as-jsonl", "data.jsonl", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 0, 1, "gzip"),
    Case(
        "gzip-named-gz", "data.json.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 0, 1, "gunzip"
    ),
    Case("zip-as-json", "reports.json", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", 0, 1, "ZIP"),
    Case("elf", "tool.txt", b"\x7fELF\x02\x01\x01" + bytes(40), 0, 1, "executable"),
    Case("sqlite", "k.json", b"SQLite format 3\x00" + bytes(84), 0, 1, "SQLite"),
    Case("nul-heavy", "data.txt", b"K\x00\x01h\x00\x02a\x00\x03r" * 20, 0, 1, "binary"),
    Case("control-bytes", "ctl.txt", bytes(range(1, 32)) * 20 + b"words", 0, 1, "control"),
    Case("high-bytes", "high.txt", bytes(range(128, 256)) * 4, 0, 1, "undecodable"),
]

EMPTY = [
    Case("empty-txt", "empty.txt", b"", 0, 1, "empty file"),
    Case("spaces-json", "spaces.json", b"  \n\t \r\n", 0, 1, "empty file"),
    Case("bom-only-csv", "bom.csv", codecs.BOM_UTF8, 0, 1, "empty file"),
    Case("newline-jsonl", "nl.jsonl", b"\n\n\n", 0, 1, "empty file"),
    Case(
        "utf-16-spaces", "wide.txt", codecs.BOM_UTF16_LE + "  \n".encode("utf-16-le"), 0, 1, "empty"
    ),
]

TEXTS = [
    Case("huge-line", "huge.txt", (EN + " ").encode() * 12_000, text=EN),
    Case("control-chars", "bell.txt", f"{EN}\x07\x08 more".encode(), text=EN),
    Case("nul-in-text", "nul.txt", f"{EN}\x00 Rescuers worked.".encode(), note="NUL", text=EN),
    Case("rtl-marks", "rtl.txt", f"\u200f\u202e{EN}\u202c".encode(), text=EN),
    Case("zero-width", "zw.txt", f"Khar\u200bkiv\ufeff {EN}".encode(), text=EN),
    Case("crlf", "crlf.txt", f"date 2024-05-23\r\n{EN}\r\n".encode(), text=EN),
    Case("cr-only", "cr.txt", f"date 2024-05-23\r{EN}\r".encode(), text=EN),
    Case("many-lines", "many.txt", (EN + "\n").encode() * 10_000, text=EN),
    Case(
        "front-matter-bad-date",
        "fm.md",
        f"---\ndate: yesterday\n---\n{EN}".encode(),
        note="yesterday",
    ),
    Case("date-line-zero", "zero.txt", f"date 0000-00-00\n{EN}".encode(), note="0000-00-00"),
    Case("date-line-feb-30", "feb30.txt", f"date 2023-02-30\n{EN}".encode(), note="2023-02-30"),
    Case("impossible-range", "range.txt", f"On 28-29 February 2023 {EN}".encode(), text="28-29"),
    Case("emoji-only", "emoji.txt", "\U0001f4a5\U0001f525\U0001f4a5".encode()),
    Case("digits-only", "digits.txt", b"1234567890 42"),
]

JSON = [
    Case(
        "surrogate-text",
        "sur.json",
        b'{"text": "Kharkiv \\ud800 strike: seven killed."}',
        note="surrogate",
    ),
    Case(
        "surrogate-title",
        "sur-title.json",
        json.dumps(record(title="\\ud800")).replace("\\\\ud800", "\\ud800").encode(),
        note="surrogate",
    ),
    Case(
        "huge-int-id",
        "bigid.json",
        b'{"id": ' + b"7" * 5000 + b', "text": "' + EN.encode() + b'"}',
        text=EN,
    ),
    Case(
        "huge-int-date",
        "bigdate.json",
        b'{"published": ' + b"9" * 5000 + b', "text": "' + EN.encode() + b'"}',
        note="published",
    ),
    Case(
        "deep-element",
        "deep.json",
        b'[{"text": "'
        + EN.encode()
        + b'"}, '
        + b"[" * 100_000
        + b"]" * 100_000
        + b', {"text": "'
        + EN.encode()
        + b'"}]',
        2,
        1,
        "nested too deeply",
    ),
    Case(
        "deep-object",
        "deep-object.json",
        b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
        0,
        1,
        "nested too deeply",
    ),
    Case(
        "duplicate-keys",
        "dup.json",
        b'{"text": "draft", "text": "' + EN.encode() + b'"}',
        note="more than once",
        text=EN,
    ),
    *[
        Case(
            f"wrong-type-{field}",
            f"type-{field}.json",
            json.dumps(record(**{field: value})).encode(),
            note=f"'{field}'",
        )
        for field, value in (
            ("title", ["a"]),
            ("url", ["https://a.example"]),
            ("source", {"name": "x"}),
            ("lang", True),
            ("published", ["2024"]),
            ("edited", {"at": 1}),
        )
    ],
    Case("id-bool", "id-bool.json", json.dumps(record(id=True)).encode(), 0, 1, "'id'"),
    Case(
        "id-object", "id-object.json", json.dumps(record(id={"a": 1})).encode(), 0, 1, "got object"
    ),
    Case("null-text", "null-text.json", b'{"text": null}', 0, 1, "no text field"),
    Case(
        "null-text-content",
        "null-content.json",
        json.dumps({"text": None, "content": EN}).encode(),
        text=EN,
    ),
    Case("text-number", "text-number.json", b'{"text": 5}', 0, 1, "should be a string"),
    Case("text-list", "text-list.json", b'{"text": ["a", "b"]}', 0, 1, "got array"),
    Case("text-empty", "text-empty.json", b'{"text": "  "}', 0, 1, "empty text"),
    Case(
        "scalars-in-array",
        "scalars.json",
        json.dumps([record(), 1, record()]).encode(),
        2,
        1,
        "not a JSON object",
    ),
    Case(
        "trailing-after-object",
        "trail.json",
        json.dumps(record()).encode() + b" garbage",
        1,
        1,
        "after the JSON",
    ),
    Case(
        "trailing-after-array",
        "trail-array.json",
        json.dumps([record(), record()]).encode() + b"]]",
        2,
        1,
        "after the JSON",
    ),
    Case(
        "jsonl-bad-middle",
        "mid.jsonl",
        jsonl(record()) + b"{bad\n" + jsonl(record()),
        2,
        1,
        "malformed JSON",
    ),
    Case("json-holding-jsonl", "lines.json", jsonl(record(), record(), record()), 3),
    Case(
        "json-jsonl-bad-first",
        "first.json",
        b"{oops\n" + jsonl(*[record(id=str(n)) for n in range(5)]),
        5,
        1,
        "malformed JSON",
    ),
    Case(
        "array-not-closed",
        "open.json",
        b"[" + json.dumps(record()).encode() + b",",
        1,
        1,
        "not closed",
    ),
    Case(
        "element-truncated",
        "cut.json",
        b"[" + json.dumps(record()).encode() + b', {"text": "cut',
        1,
        1,
        "malformed JSON",
    ),
    Case(
        "nul-escape",
        "nul.json",
        json.dumps(record(text=f"{EN}\u0000")).encode(),
        note="NUL",
        text=EN,
    ),
    Case("top-string", "str.json", b'"just words"', 0, 1, "got string"),
    Case("top-number", "num.json", b"42", 0, 1, "got number"),
    Case("empty-array", "empty-array.json", b"[]", 0, 1, "empty JSON array"),
    Case("empty-object", "empty-object.json", b"{}", 0, 1, "no text field"),
    Case("jsonl-array-line", "arr.jsonl", jsonl(record(), [1, 2]), 1, 1, "not a JSON object"),
    Case("json-bom", "bom.json", codecs.BOM_UTF8 + json.dumps(record()).encode(), text=EN),
    Case(
        "json-utf-16",
        "wide.json",
        codecs.BOM_UTF16_LE + json.dumps(record()).encode("utf-16-le"),
        text=EN,
    ),
    Case(
        "nan-date",
        "nan.json",
        b'{"text": "' + EN.encode() + b'", "published": NaN}',
        note="published",
    ),
    Case("id-empty", "id-empty.json", json.dumps(record(id="")).encode(), text=EN),
    Case("id-whitespace", "id-space.json", json.dumps(record(id="   ")).encode(), text=EN),
    Case(
        "id-path-like", "id-path.json", json.dumps(record(id="../../etc/passwd")).encode(), text=EN
    ),
]

DATES = [
    Case(
        f"date-{label}",
        f"date-{label}.json",
        json.dumps(record(published=value)).encode(),
        note=note,
    )
    for label, value, note in (
        ("yesterday", "yesterday", "yesterday"),
        ("zeros", "0000-00-00", "0000-00-00"),
        ("feb-30", "2023-02-30", "2023-02-30"),
        ("year-99999", "99999-01-01", "99999"),
        ("epoch-int", 1_700_000_000, None),
        ("epoch-huge", 10**20, "Unix"),
        ("epoch-negative", -1, None),
        ("offset-25h", "2024-05-23T10:00:00+25:00", "published"),
        ("offset-odd", "2024-05-23T10:00:00+05:45", None),
        ("bool", True, "published"),
    )
]

CSV = [
    Case(
        "csv-ragged",
        "ragged.csv",
        f'text,id\n"{EN}",1\n"{EN}",2,extra\n"{EN}"\n'.encode(),
        2,
        1,
        "fields",
    ),
    Case("csv-no-header", "nohead.csv", f'"{EN}",1\n'.encode(), 0, 1, "no text column"),
    Case(
        "csv-unclosed-quote",
        "quote.csv",
        f'text,id\n"{EN}",1\n"{EN},2\n'.encode(),
        2,
        0,
        "unclosed quote",
    ),
    Case("csv-bom-header", "bom.csv", codecs.BOM_UTF8 + f'text,id\n"{EN}",1\n'.encode(), text=EN),
    Case("csv-semicolon", "semi.csv", f"text;id\n{EN.replace(';', ',')};1\n".encode()),
    Case(
        "csv-formula",
        "formula.csv",
        f'text,title\n"{EN}","=HYPERLINK(""http://x"")"\n'.encode(),
        text=EN,
    ),
    Case("csv-header-only", "head.csv", b"text,id\n", 0, 1, "no data rows"),
    Case("csv-nul", "nul.csv", f'text,id\n"{EN}\x00",1\n'.encode(), note="NUL"),
    Case(
        "csv-bad-date", "date.csv", f'text,published\n"{EN}",yesterday\n'.encode(), note="yesterday"
    ),
    Case(
        "csv-mixed-encoding",
        "mixed.csv",
        f'text,id\n"{UK}",1\n'.encode() + f'"{RU}",2\n'.encode("cp1251"),
        2,
        0,
        "line 3",
        RU,
    ),
    Case("tsv", "rows.tsv", f"text\tid\n{EN}\t1\n".encode()),
]

TELEGRAM = [
    Case(
        "tg-odd-entity",
        "tg1.json",
        telegram(message(1, ["Kharkiv: ", {"type": "bold"}, EN])),
        note="entity",
        text=EN,
    ),
    Case("tg-missing-date", "tg2.json", telegram({"id": 2, "type": "message", "text": EN})),
    Case("tg-bad-date", "tg3.json", telegram(message(3, date="someday")), note="someday"),
    Case(
        "tg-service",
        "tg4.json",
        telegram({"id": 4, "type": "service", "action": "pin_message"}, message(5)),
    ),
    Case(
        "tg-text-list",
        "tg5.json",
        telegram(message(6, ["A missile ", {"type": "link", "text": "hit"}, " Kharkiv."])),
        text="A missile hit Kharkiv.",
    ),
    Case(
        "tg-not-object",
        "tg6.json",
        telegram("just a string", message(7)),
        1,
        1,
        "not a JSON object",
    ),
    Case(
        "tg-no-id", "tg7.json", telegram({"type": "message", "text": EN}, message(8)), 1, 1, "no id"
    ),
    Case(
        "tg-text-number", "tg8.json", telegram(message(9, 5), message(10)), 1, 1, "neither a string"
    ),
    Case("tg-photos-only", "tg10.json", telegram(message(11, ""), message(12, [])), 0, 1, "media"),
    Case(
        "tg-only-service",
        "tg9.json",
        telegram({"id": 1, "type": "service"}),
        0,
        1,
        "no text messages",
    ),
]


def _xxe(directory: Path) -> None:
    secret = directory.parent / "secret.txt"
    secret.write_text("SECRET-MARKER", encoding="utf-8")
    doctype = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    (directory / "xxe.xml").write_bytes(rss(item("x1", f"{EN} &xxe;"), doctype=doctype))


LAUGHS = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10 if n else "lol"}">' for n in range(8))

ATOM = (
    '<feed xmlns="http://www.w3.org/2005/Atom"><title>W</title><entry><id>t1</id><title>S</title>'
    f'<updated>someday</updated><content type="text">{EN}</content></entry></feed>'
).encode()

FEEDS = [
    Case(
        "feed-unclosed-tag",
        "bad.xml",
        rss(item("a1"), item("a2", f"{EN} <b>bold")).replace(b"</channel></rss>", b""),
        2,
    ),
    Case("feed-entity", "ent.xml", rss(item("e1", f"{EN} &nbsp; &copy;"))),
    Case("feed-xxe", "xxe.xml", make=_xxe),
    Case(
        "feed-xxe-passwd",
        "passwd.xml",
        rss(
            item("p1", f"{EN} &xxe;"),
            doctype='<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        ),
    ),
    Case(
        "feed-billion-laughs",
        "laughs.xml",
        rss(item("b1", f"{EN} &l7;"), doctype=f"<!DOCTYPE rss [{LAUGHS}]>"),
        reports=-1,
        errors=-1,
    ),
    Case("feed-no-entries", "none.xml", rss(), 0, 1, "no entries"),
    Case("feed-entry-no-text", "notext.xml", rss(item("n1", ""), item("n2")), 1, 1, "no text"),
    Case(
        "feed-script",
        "script.xml",
        rss(item("s1", f"&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;{EN}&lt;/p&gt;")),
        text=EN,
    ),
    Case(
        "atom-bad-date",
        "atom.atom",
        ATOM,
    ),
]

HTML = [
    Case(
        "html-scripts-only",
        "s.html",
        b"<html><body><script>var x = 1;</script></body></html>",
        0,
        1,
        "no article text",
    ),
    Case(
        "html-no-body",
        "nb.html",
        b"<html><head><title>T</title></head></html>",
        0,
        1,
        "no article text",
    ),
    Case(
        "html-script-and-text",
        "st.html",
        f"<html><body><script>alert('x')</script><p>{EN}</p></body></html>".encode(),
        text=EN,
    ),
    Case(
        "html-unclosed",
        "u.html",
        f"<html><body><div><p>{EN}<p>More text here.".encode(),
        text="Kharkiv",
    ),
]


def _symlink_loop(directory: Path) -> None:
    os.symlink(directory / "loop-b", directory / "loop-a")
    os.symlink(directory / "loop-a", directory / "loop-b")


def _fifo(directory: Path) -> None:
    os.mkfifo(directory / "pipe.txt")


def _json_directory(directory: Path) -> None:
    folder = directory / "folder.json"
    folder.mkdir()
    (folder / "inner.txt").write_text(EN, encoding="utf-8")


def _unreadable(directory: Path) -> None:
    path = directory / "locked.txt"
    path.write_text(EN, encoding="utf-8")
    path.chmod(0)


def _undecodable_name(directory: Path) -> None:
    name = os.fsencode(directory) + b"/name-\xff.txt"
    with open(name, "wb") as handle:
        handle.write(EN.encode())


PATHS = [
    Case("symlink-loop", "loop-", reports=0, errors=2, note="cannot access", make=_symlink_loop),
    Case(
        "dangling-symlink",
        "dangling.txt",
        reports=0,
        errors=1,
        note="dangling",
        make=lambda d: os.symlink(d / "gone.txt", d / "dangling.txt"),
    ),
    Case("directory-named-json", "folder.json", text=EN, make=_json_directory),
    Case("undecodable-file-name", "name-", text=EN, make=_undecodable_name),
]
if hasattr(os, "mkfifo"):
    PATHS.append(Case("fifo", "pipe.txt", reports=0, errors=1, note="pipe", make=_fifo))
if hasattr(os, "geteuid") and os.geteuid() != 0:
    PATHS.append(
        Case("unreadable", "locked.txt", reports=0, errors=1, note="Permission", make=_unreadable)
    )

CASES = [*ENCODINGS, *BINARY, *EMPTY, *TEXTS, *JSON, *DATES, *CSV, *TELEGRAM, *FEEDS, *HTML, *PATHS]


def test_the_corpus_has_over_a_hundred_kinds_each_named_once() -> None:
    names = [case.name for case in CASES]
    assert len(names) >= 100 and len(set(names)) == len(names)


@contextmanager
def guard(seconds: int = GUARD_SECONDS) -> Iterator[None]:
    """Fail instead of hanging (a FIFO opened for reading would block forever)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still reading after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def lay_out(case: Case, root: Path) -> Path:
    """The case's bad input beside a good file, in a folder of their own."""
    folder = root / "in"
    folder.mkdir()
    if case.make is not None:
        case.make(folder)
    else:
        (folder / case.file).write_bytes(case.data)
    (folder / GOOD_NAME).write_text(f"date 2024-05-23\n{EN}\n", encoding="utf-8")
    return folder


def storable(report: Report) -> bool:
    """What the store and JSON output can hold: UTF-8 text in every field, no NUL."""
    fields = json.dumps(report.to_dict() | {"text": report.text}, ensure_ascii=False)
    fields.encode("utf-8")
    return "\x00" not in fields


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the hang guard needs SIGALRM")
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_each_bad_input_is_read_or_named_and_the_good_file_beside_it_is_kept(
    case: Case, tmp_path: Path
) -> None:
    folder = lay_out(case, tmp_path)
    with guard():
        results = list(read_paths([folder]))
    good = [item for item in results if item.origin == str(folder / GOOD_NAME)]
    assert len(good) == 1 and isinstance(good[0], Report) and good[0].published is not None
    bad = [item for item in results if item not in good]
    reports = [item for item in bad if isinstance(item, Report)]
    errors = [item for item in bad if isinstance(item, ReadError)]
    if case.reports >= 0:
        assert len(reports) == case.reports, [str(error) for error in errors]
    if case.errors >= 0:
        assert len(errors) == case.errors, [str(error) for error in errors]
    for error in errors:  # named: the input (and record), then one line saying what is wrong
        assert error.origin.startswith(str(folder / case.file)), str(error)
        assert error.message and "\n" not in error.message and "Traceback" not in error.message
    assert all(storable(report) for report in reports)
    if case.note is not None:
        said = [error.message for error in errors] + [w for r in reports for w in r.warnings]
        assert any(case.note in line for line in said), said
    if case.text is not None:
        assert any(case.text in report.text for report in reports), [r.text for r in reports]


def test_an_external_entity_is_never_expanded(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _xxe(folder)
    reports = [item for item in read_paths([folder]) if isinstance(item, Report)]
    assert reports and all("SECRET-MARKER" not in report.text for report in reports)
    assert all("root:" not in report.text for report in reports)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (FR, "fr"),
        (
            "Ein russischer Raketenangriff auf Charkiw hat am Dienstag drei Zivilisten getötet.",
            "de",
        ),
        (
            "Rosyjski atak rakietowy na Charków zabił we wtorek trzech cywilów, podał gubernator.",
            "pl",
        ),
        (
            "У выніку ракетнага ўдару па Харкаве загінулі тры мірныя жыхары, паведаміў губернатар.",
            "be",
        ),
        ("Een Russische raketaanval op Charkiv heeft dinsdag drie burgers gedood.", "nl"),
        (
            "Във резултат на ракетен удар по Харков загинаха трима цивилни, съобщи губернаторът.",
            "bg",
        ),
        (EN, "en"),
        (UK, "uk"),
        (RU, "ru"),
        (f"{EN} {EN} Коротко.", "en"),  # mixed: the language of most of it
        ("\U0001f4a5\U0001f525\U0001f4a5", None),
        ("1234567890 42 2024-05-23", None),
    ],
)
def test_a_language_without_a_pack_is_named_not_read_as_english(
    text: str, code: str | None
) -> None:
    assert detect_language(text) == code


CLI_SAMPLE = [
    "one-bad-byte",
    "ru-koi8_r",
    "utf-16-le-no-bom",
    "surrogate-text",
    "huge-int-id",
    "json-jsonl-bad-first",
    "date-yesterday",
    "tg-odd-entity",
    "csv-ragged",
    "feed-xxe-passwd",
    "symlink-loop",
    "impossible-range",
]


@pytest.mark.parametrize(
    "case", [case for case in CASES if case.name in CLI_SAMPLE], ids=lambda case: case.name
)
def test_a_sample_through_khronika_ingest_stores_the_good_and_names_the_bad(
    case: Case,
    tmp_path: Path,
    gaz: Gazetteer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = lay_out(case, tmp_path)
    database = tmp_path / "k.db"
    with guard(60):  # extraction included
        status = main(["ingest", "--db", str(database), str(folder)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert status == (1 if case.errors else 0), err
    with Store(database) as store:
        stored = {item.report.origin: item for item in store.reports()}
    assert stored[str(folder / GOOD_NAME)].status == "done"
    assert len(stored) == 1 + case.reports
    for item in stored.values():  # every stored report extracted (none left failed)
        assert item.status == "done", (item.report.origin, item.error)


def test_warnings_are_stored_listed_and_in_the_extract_output(
    tmp_path: Path, gaz: Gazetteer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dated.json"
    path.write_text(json.dumps(record(id="w-1", published="yesterday")), encoding="utf-8")
    database = str(tmp_path / "k.db")
    assert main(["ingest", "--db", database, str(path)]) == 0
    assert f"{path}: warning: field 'published'" in capsys.readouterr().err
    assert main(["reports", "--db", database, "--format", "jsonl"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    warnings = json.loads(line)["warnings"]
    assert len(warnings) == 1 and "yesterday" in warnings[0]
    assert main(["reports", "--db", database]) == 0
    assert "    warning: field 'published'" in capsys.readouterr().out
    with Store(database) as store:
        [event] = store.query_events()
    assert main(["show", "--db", database, event["id"]]) == 0
    assert "warning: field 'published'" in capsys.readouterr().out
    assert main(["extract", "--format", "jsonl", str(path)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["report"]["warnings"] == warnings
    assert f"{path}: warning: field 'published'" in captured.err


def test_warnings_are_kept_and_a_version_4_store_gains_their_column(
    store_location: str | Path,
) -> None:
    with Store(store_location) as store:
        store.store_report(Report(id="old", text=EN))
        with store.transaction():  # back to what a version 4 store looks like
            store._db.execute("ALTER TABLE reports DROP COLUMN warnings")
            store._db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with Store(store_location) as store:
        assert store.schema_version() == 5
        stored = store.get_report("old")
        assert stored is not None and stored.report.warnings == ()
        store.store_report(Report(id="new", text=UK, warnings=("kept as given", "ещё")))
        again = store.get_report("new")
        assert again is not None and again.report.warnings == ("kept as given", "ещё")


def test_a_french_report_is_stored_and_listed_as_failed_for_want_of_a_language_pack(
    tmp_path: Path, gaz: Gazetteer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "frappe.txt"
    path.write_text(f"date 2024-05-23\n{FR}\n", encoding="utf-8")
    database = str(tmp_path / "k.db")
    assert main(["ingest", "--db", database, str(path)]) == 1
    assert "no language pack for 'fr'" in capsys.readouterr().err
    assert main(["reports", "--db", database, "--failed"]) == 0
    listed = capsys.readouterr().out
    assert str(path) in listed and "no language pack for 'fr'" in listed
    with Store(database) as store:
        assert store.counts()["events"] == 0  # not read as an English air strike


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("Strikes on 28-29 February 2023 killed two.", date(2023, 3, 1)),
        ("Strikes on 30-31 April killed two.", date(2023, 5, 2)),
        ("In May 0000 nothing happened.", date(2023, 5, 2)),
        ("Yesterday and on Monday, 23 May, shelling.", date(1, 1, 1)),
        ("Yesterday and on Monday, 23 May, shelling.", date(9999, 12, 31)),
    ],
)
def test_an_impossible_date_gives_no_date_never_an_exception(text: str, published: date) -> None:
    found = find_dates(text, 0, len(text), published, load_pack("en"))
    assert all(expression.date.year > 1 for expression in found)
    days = [text[e.start : e.end] for e in found if e.precision == "day"]
    assert not any("February" in said or "April" in said for said in days)  # no such day


def test_a_file_of_many_odd_lines_gives_each_record_one_short_warning(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": str(n), "text": UK}, ensure_ascii=False).encode() for n in range(200)
    ]
    lines += [
        json.dumps({"id": f"c{n}", "text": RU}, ensure_ascii=False).encode("cp1251")
        for n in range(300)
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines))
    reports = list(read_paths([path]))
    assert len(reports) == 500 and all(isinstance(report, Report) for report in reports)
    assert reports[-1].text == RU  # type: ignore[union-attr]
    for report in reports:
        assert report.warnings == (  # type: ignore[union-attr]
            "not UTF-8 in lines 201, 202, 203, 204, 205 and 295 more: read as cp1251",
        )
