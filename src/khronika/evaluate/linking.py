"""Scoring the linker: do the reports of one real event end in one event, and only those?

Three sets (``khronika eval link-warline|link-ucdp|link-stream FILE``), each ingested into a
fresh store and linked, and each scored beside the one-per-day rule (VIINA's: same day, same
sub-event type, same settlement) run on the same mentions:

- ``link-warline``: the Warline gold file, both languages ingested. A pair of mentions is the
  same event when both match the same gold event of one item (the English and the Ukrainian
  text of one report); different when their gold events are more than 25 km or a day apart.
  Pair recall: same-event pairs linked; pair precision: linked pairs that are not different.
- ``link-ucdp``: UCDP GED rows with several headlines, each headline a report; the headlines of
  one row form one cluster; B³ precision/recall over the headlines that yield a mention.
- ``link-stream``: a stream of reports we wrote (``tests/data/link-stream.jsonl``), read in its
  order (edits are revisions), with ``gold_event`` per report and the gold file beside it
  (``*-gold.json``): report pairs with the same label are the same event, with different labels
  different; every gold event's final killed and injured must equal its latest official figure;
  and ingesting the stream in reverse order must give the same events with the same ids.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khronika.evaluate.extraction import Extractor
from khronika.evaluate.gold import item_report, read_gold
from khronika.evaluate.gold_metrics import days_apart, km, matches
from khronika.evaluate.readers import (
    EvalInputError,
    read_gold_csv,
    select_rows,
)
from khronika.evaluate.result import EvalResult, FieldScore, Progress
from khronika.evaluate.ucdp import UCDP_COLUMNS, headline_report, parse_ucdp_row
from khronika.ingest import ReadOptions, read_paths
from khronika.ingest_run import ingest
from khronika.records import Report
from khronika.store import EventFilter, Store

DIFFERENT_KM = 25.0
RULES = ("linker", "one-per-day")


@dataclass
class Observed:
    """One stored mention as the evaluation sees it: its event under each rule, and its truth."""

    mention_id: str
    report_id: str
    clusters: dict[str, set[str]]  # rule -> the clusters its mentions are in
    truth: Any = None  # what the set says it is (a gold label or a gold event)


def one_per_day_key(mention: dict[str, Any]) -> str:
    """VIINA's rule: one event per day, sub-event type and settlement."""
    place = mention.get("location") or {}
    where = place.get("gazetteer_id") or place.get("name")
    if mention.get("background") or not mention.get("event_date") or not where:
        return "alone:" + mention["id"]
    return f"{mention['event_date']}|{mention['sub_event_type']}|{where}"


def stored_mentions(store: Store) -> list[dict[str, Any]]:
    """Every non-background mention of the latest revision of each report."""
    mentions = store.query_mentions(EventFilter(include_background=False))
    latest: dict[str, int] = {}
    for m in mentions:
        latest[m["report_id"]] = max(latest.get(m["report_id"], 0), m["revision"])
    return [m for m in mentions if m["revision"] == latest[m["report_id"]]]


def main_mentions(mentions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each report's main mention (its first), by report id."""
    main: dict[str, dict[str, Any]] = {}
    for mention in sorted(mentions, key=lambda m: m["id"]):
        main.setdefault(mention["report_id"], mention)
    return main


def observe(mention: dict[str, Any], truth: Any) -> Observed:
    return Observed(
        mention["id"],
        mention["report_id"],
        {"linker": {mention["event_id"]}, "one-per-day": {one_per_day_key(mention)}},
        truth,
    )


def by_report_and_truth(observed: list[Observed], key: Callable[[Any], Any]) -> list[Observed]:
    """One unit per report and gold event: a report that splits one gold event into two
    mentions ("Kharkiv" and "Barabashovo market") is linked when either mention is."""
    units: dict[tuple[str, Any], Observed] = {}
    for item in observed:
        unit = units.setdefault(
            (item.report_id, key(item.truth)),
            Observed(item.mention_id, item.report_id, {rule: set() for rule in RULES}, item.truth),
        )
        for rule in RULES:
            unit.clusters[rule] |= item.clusters[rule]
    return list(units.values())


def pair_scores(
    observed: list[Observed], relation: Callable[[Observed, Observed], bool | None]
) -> dict[str, dict[str, FieldScore]]:
    """Per rule: recall over pairs known the same, precision over linked pairs of known status.

    ``relation`` says True (same event), False (different) or None (unknown)."""
    scores = {rule: {"pair_precision": FieldScore(), "pair_recall": FieldScore()} for rule in RULES}
    for i, a in enumerate(observed):
        for b in observed[i + 1 :]:
            if a.report_id == b.report_id:
                continue
            known = relation(a, b)
            if known is None:
                continue
            for rule in RULES:
                linked = bool(a.clusters[rule] & b.clusters[rule])
                if known:
                    scores[rule]["pair_recall"].add(linked)
                if linked:
                    scores[rule]["pair_precision"].add(known)
    return scores


def b_cubed(observed: list[Observed], rule: str) -> tuple[float, float]:
    """B³ precision and recall of the rule's clusters against the truth labels."""
    by_cluster: dict[str, list[Observed]] = defaultdict(list)
    by_truth: dict[Any, list[Observed]] = defaultdict(list)
    for item in observed:
        by_cluster[min(item.clusters[rule])].append(item)
        by_truth[item.truth].append(item)
    precision = recall = 0.0
    for item in observed:
        cluster, truth = by_cluster[min(item.clusters[rule])], by_truth[item.truth]
        common = sum(1 for other in cluster if other.truth == item.truth)
        precision += common / len(cluster)
        recall += common / len(truth)
    n = len(observed) or 1
    return precision / n, recall / n


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None or p + r == 0:
        return None
    return 2 * p * r / (p + r)


def _result(
    dataset: str, path: Path, rows: int, scores: dict[str, dict[str, FieldScore]]
) -> EvalResult:
    fields = {f"{rule}.{name}": score for rule in RULES for name, score in scores[rule].items()}
    result = EvalResult(dataset=dataset, source=str(path), rows=rows, fields=fields)
    result.tables["pair F1, linker beside the one-per-day rule"] = [
        {
            "rule": rule,
            "precision": _round(scores[rule]["pair_precision"].share),
            "recall": _round(scores[rule]["pair_recall"].share),
            "F1": _round(
                _f1(scores[rule]["pair_precision"].share, scores[rule]["pair_recall"].share)
            ),
        }
        for rule in RULES
    ]
    return result


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def _ingest(reports: Iterable[Report], workdir: str, name: str = "k.db") -> Store:
    store = Store(Path(workdir) / name)
    summary = ingest(store, reports)
    if summary.failed:
        store.close()
        raise EvalInputError("; ".join(summary.errors[:3]))
    return store


def score_link_warline(
    path: str | Path,
    extractor: Extractor | None = None,
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> EvalResult:
    """Set 1: the two languages of each Warline item, linked across the whole file."""
    items = read_gold(path)
    chosen = [items[i] for i in select_rows(len(items), limit, sample, seed)]
    reports = [item_report(item, lang) for item in chosen for lang in ("en", "uk")]
    gold_of = {
        f"{item.id}-{lang}": (item.id, item.gold(lang)) for item in chosen for lang in ("en", "uk")
    }
    with tempfile.TemporaryDirectory() as workdir:
        store = _ingest(reports, workdir)
        with store:
            mentions = stored_mentions(store)
    observed = []
    for mention in mentions:
        item_id, gold = gold_of[mention["report_id"]]
        index = next((i for i, g in enumerate(gold) if matches(mention, g)), None)
        if index is not None:
            observed.append(observe(mention, (item_id, index, gold[index])))

    def relation(a: Observed, b: Observed) -> bool | None:
        (item_a, index_a, gold_a), (item_b, index_b, gold_b) = a.truth, b.truth
        if item_a == item_b and index_a == index_b:
            return True
        if days_apart(gold_a.get("date"), gold_b.get("date")) >= 1:
            return False
        placed = None not in (gold_a.get("lat"), gold_b.get("lat"))
        if placed and km(gold_a["lat"], gold_a["lon"], gold_b["lat"], gold_b["lon"]) > DIFFERENT_KM:
            return False
        return None

    units = by_report_and_truth(observed, lambda truth: truth[:2])
    result = _result("link-warline", Path(path), len(chosen), pair_scores(units, relation))
    result.notes.append(
        f"{len(mentions)} mentions of {len(reports)} reports; {len(observed)} match a gold event"
    )
    return result


def score_link_ucdp(
    path: str | Path,
    extractor: Extractor | None = None,
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> EvalResult:
    """Set 2: the headlines of each UCDP row with several, as one cluster (B³)."""
    table = read_gold_csv(path, UCDP_COLUMNS)
    rows = [
        parse_ucdp_row(table.rows[i]) for i in select_rows(len(table.rows), limit, sample, seed)
    ]
    rows = [row for row in rows if len(row.headlines) > 1]
    rows_of_text: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for headline in row.headlines:
            rows_of_text[headline.text].add(row.row_id)
    shared = {text for text, ids in rows_of_text.items() if len(ids) > 1}
    reports = [
        headline_report(row, number, headline)
        for row in rows
        for number, headline in enumerate(row.headlines, start=1)
    ]
    with tempfile.TemporaryDirectory() as workdir:
        store = _ingest(reports, workdir)
        with store:
            mentions = stored_mentions(store)
    main = main_mentions(mentions)
    texts = {report.id: report.text for report in reports}
    observed = [
        observe(m, rid.rsplit(":", 1)[0])
        for rid, m in sorted(main.items())
        if texts[rid] not in shared
    ]
    fields: dict[str, FieldScore] = {}
    table_rows = []
    for rule in RULES:
        precision, recall = b_cubed(observed, rule)
        for name, value in (("b3_precision", precision), ("b3_recall", recall)):
            fields[f"{rule}.{name}"] = FieldScore(
                right=round(value * len(observed), 3),  # type: ignore[arg-type]
                scored=len(observed),
                note="B³: right is the sum of the per-headline shares",
            )
        table_rows.append(
            {
                "rule": rule,
                "B3 precision": _round(precision),
                "B3 recall": _round(recall),
                "F1": _round(_f1(precision, recall)),
            }
        )
    result = EvalResult(dataset="link-ucdp", source=str(path), rows=len(rows), fields=fields)
    result.tables["B³ over headlines that yield a mention, linker beside the one-per-day rule"] = (
        table_rows
    )
    result.notes.append(
        f"{len(rows)} rows with several headlines, {len(reports)} headlines, "
        f"{len(main)} yield a mention; {len(main) - len(observed)} of those are left out because "
        "UCDP cites the same headline for several of its events (one article cannot be in two "
        f"clusters), {len(observed)} scored"
    )
    return result


def score_link_stream(
    path: str | Path,
    extractor: Extractor | None = None,
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> EvalResult:
    """Set 3: our own stream, in order, with the final figures and order independence."""
    path = Path(path)
    gold_path = path.with_name(path.stem + "-gold.json")
    if not gold_path.exists():
        raise EvalInputError(f"{path}: its gold file {gold_path.name} is not beside it")
    events = json.loads(gold_path.read_text(encoding="utf-8"))["events"]
    labels: dict[str, str | None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            labels[record["id"]] = record.get("gold_event")
    reports = [r for r in read_paths([str(path)], ReadOptions()) if isinstance(r, Report)]
    with tempfile.TemporaryDirectory() as workdir:
        store = _ingest(reports, workdir)
        with store:
            mentions = stored_mentions(store)
            linked = {e["id"]: e for e in store.query_events(EventFilter(include_background=True))}
        reverse = _ingest(_reports_reversed(reports), workdir, "reverse.db")
        with reverse:
            again = {e["id"]: e for e in reverse.query_events(EventFilter(include_background=True))}
    main = main_mentions(mentions)
    observed = [observe(m, labels.get(rid)) for rid, m in sorted(main.items())]

    def relation(a: Observed, b: Observed) -> bool | None:
        if a.truth is None or b.truth is None:
            return None
        return bool(a.truth == b.truth)

    result = _result("link-stream", path, len(labels), pair_scores(observed, relation))
    for kind, field_name in (("killed", "fatalities"), ("injured", "injured")):
        score = FieldScore(note=f"final {kind} = the latest official figure")
        for label, gold in sorted(events.items()):
            homes = Counter(min(o.clusters["linker"]) for o in observed if o.truth == label)
            if not homes:
                score.add(False)
                continue
            event = linked[homes.most_common(1)[0][0]]
            score.add((event[field_name] or {}).get("best") == gold[kind])
        result.fields[f"linker.final_{kind}"] = score
    same = FieldScore(note="reverse-order ingest gives the same events, ids and reports")
    for event_id, event in linked.items():
        other = again.get(event_id)
        same.add(other is not None and other["mention_ids"] == event["mention_ids"])
    result.fields["linker.order_independent"] = same
    result.notes.append(
        f"{len(reports)} lines, {len(main)} reports with a mention, {len(events)} gold events"
    )
    return result


def _reports_reversed(reports: list[Report]) -> list[Report]:
    """The reports in reverse order of arrival, each report's revisions still in their order."""
    by_id: dict[str, list[Report]] = {}
    for report in reports:
        by_id.setdefault(report.id, []).append(report)
    return [r for revisions in reversed(list(by_id.values())) for r in revisions]
