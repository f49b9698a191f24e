"""The benchmark reports: the shared development data (news articles, Warline's English and
Ukrainian texts, ACLED notes, UCDP headlines) replayed round after round, each round with fresh
ids and its dates (publication and the days the texts state) a week later. Shared by
``benchmarks/backfill.py`` and the backfill identity test; needs ``../shared/eval``."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from khronika.lang import SUPPORTED, load_pack
from khronika.language import detect_language
from khronika.time import find_dates

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
FILE_BYTES = 8_000_000  # under ingest's default --max-bytes of 10 MB


def originals(folder: Path) -> list[dict[str, Any]]:
    """One round of reports: (text, published, lang) from each shared file."""
    rows: list[dict[str, Any]] = []
    csv.field_size_limit(10_000_000)
    with (folder / "news-en-2022-2024.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            when = datetime.strptime(row["seen_at"], "%Y%m%dT%H%M%SZ")
            rows.append({"text": row["content"], "published": when, "lang": row["lang"]})
    with (folder / "warline-dev.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            when = datetime.fromisoformat(item["date"])
            for lang in ("en", "uk"):
                if item.get(lang):
                    rows.append({"text": item[lang], "published": when, "lang": lang})
    with (folder / "acled-ukraine-2018-2023.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            when = datetime.strptime(row["event_date"][:10], "%d/%m/%Y")
            rows.append({"text": row["notes"], "published": when, "lang": None})
    raw = (folder / "ucdp-ukraine-2014-2021.csv").read_bytes()
    lines = [_decode(line) for line in raw.splitlines(keepends=True)]
    for row in csv.DictReader(lines):
        dates = row["source_date"].split(";")
        for number, headline in enumerate(row["source_headline"].split(";")):
            day = _ucdp_date(dates[min(number, len(dates) - 1)]) or _ucdp_date(row["date_start"])
            if headline.strip() and day is not None:
                rows.append({"text": headline.strip(), "published": day, "lang": None})
    return [row for row in rows if row["text"] and row["text"].strip()]


def _decode(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


def _ucdp_date(value: str) -> datetime | None:
    value = value.strip().split(" ")[0]
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, form)
        except ValueError:
            continue
    return None


def dated_spans(base: list[dict[str, Any]]) -> list[list[tuple[int, int, date]]]:
    """Where each original states a day ("On 12 March 2022", "2022-03-12", "on 12 March"), found
    by Khronika's own date reader in the report's language: a replay moves these days with the
    publication date, so each round's reports tell of new days, as a real year of reports does,
    instead of piling every round's copies onto the original days (which makes blocks and
    events grow with every round: no real store looks like that)."""
    spans: list[list[tuple[int, int, date]]] = []
    for row in base:
        code = row["lang"] or detect_language(row["text"]) or "en"
        code = code if code in SUPPORTED else "en"  # a headline read as another language
        published = row["published"].date()
        found = find_dates(row["text"], 0, len(row["text"]), published, load_pack(code))
        spans.append(
            [(t.start, t.end, t.date) for t in found if t.precision == "day" and not t.relative]
        )
    return spans


def shifted(text: str, spans: list[tuple[int, int, date]], days: int) -> str:
    """``text`` with each stated day moved by ``days``, written as an ISO date (which every
    language pack reads)."""
    if not days or not spans:
        return text
    parts, at = [], 0
    for start, end, day in spans:
        parts += [text[at:start], (day + timedelta(days=days)).isoformat()]
        at = end
    return "".join(parts) + text[at:]


def replayed(base: list[dict[str, Any]], count: int) -> Iterator[dict[str, Any]]:
    """``count`` reports: the originals again and again, a week later each round, the days
    their texts state moved with them."""
    spans = dated_spans(base)
    for number in range(count):
        round_, row = divmod(number, len(base))
        published = base[row]["published"] + timedelta(days=7 * round_)
        yield {
            "id": f"bench-{round_}-{row}",
            "text": shifted(base[row]["text"], spans[row], 7 * round_),
            "published": published.isoformat(),
            "lang": base[row]["lang"],
            "source": "benchmark",
        }


def write_inputs(base: list[dict[str, Any]], folder: Path, count: int) -> list[Path]:
    """The reports as JSONL files of about 8 MB each."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    handle = None
    for record in replayed(base, count):
        if handle is None or handle.tell() > FILE_BYTES:
            if handle is not None:
                handle.close()
            paths.append(folder / f"reports-{len(paths):04d}.jsonl")
            handle = paths[-1].open("w", encoding="utf-8")
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    if handle is not None:
        handle.close()
    return paths
