"""Readable text for `extract --format pretty` and `show`: every field with its evidence, and
for a linked event its reports in the order they were said, why each joined, and the history of
its figures."""

from __future__ import annotations

from typing import Any

from khronika import export


def _figure_text(figure: dict[str, Any], attributed: bool = True) -> str:
    value = figure.get("value")
    amount = figure.get("word") or ("?" if value is None else str(value))
    if figure.get("word") and value is not None:
        amount += f" (~{value})"
    qualifier = figure.get("qualifier")
    text = amount if qualifier in (None, "exact") else f"{qualifier} {amount}"
    if figure.get("group") not in (None, "all"):
        text += f" {figure['group']}"
    remarks = [figure.get("speaker"), figure.get("channel")] if attributed else []
    if figure.get("as_of"):
        remarks.append(f"as of {figure['as_of']}")
    said = ", ".join(part for part in remarks if part)
    return f"{text} [{said}]" if said else text


def _casualty_text(casualties: dict[str, Any] | None) -> str:
    casualties = casualties or {}
    best = casualties.get("best")
    text = "unknown" if best is None else str(best)
    bounds = [
        f"{key} {casualties[key]}" for key in ("low", "high") if casualties.get(key) is not None
    ]
    if bounds:
        text += f" ({', '.join(bounds)})"
    history = casualties.get("history") or []
    if history:
        text += "; said: " + " → ".join(_figure_text(figure) for figure in history)
    return text


def _place_text(place: dict[str, Any] | None) -> str:
    if not place:
        return "unknown"
    parts = [place.get("name"), place.get("admin1"), place.get("country_code")]
    text = ", ".join(dict.fromkeys(part for part in parts if part)) or "unknown"
    if place.get("latitude") is not None and place.get("longitude") is not None:
        text += f" ({place['latitude']:.4f}, {place['longitude']:.4f})"
    if place.get("geo_precision") is not None:
        text += f" precision {place['geo_precision']}"
    return text


def _date_text(event: dict[str, Any]) -> str:
    text = event.get("event_date") or "undated"
    if event.get("date_end"):
        text += f" to {event['date_end']}"
    return f"{text} ({event.get('date_precision')})"


def _event_lines(event: dict[str, Any], bullet: str, indent: str) -> list[str]:
    """The event's heading after ``bullet``, its fields below it indented by ``indent``."""
    lines = [
        f"{bullet}{_date_text(event)}  {event.get('event_type')} / {event.get('sub_event_type')}"
        f"  [{event.get('id')}]",
        f"{indent}place: {_place_text(event.get('location'))}",
        f"{indent}killed: {_casualty_text(event.get('fatalities'))}",
        f"{indent}injured: {_casualty_text(event.get('injured'))}",
    ]
    optional = {
        "weapons": export.weapons_cell(event),
        "targets": export.targets_cell(event),
        "sources": "; ".join(export.source_labels(event)),
        "claim": event.get("claim_status") if event.get("claim_status") != "reported" else "",
        "confidence": _confidence_text(event),
        "notes": event.get("notes"),
    }
    lines += [f"{indent}{label}: {value}" for label, value in optional.items() if value]
    return lines


def _confidence_text(event: dict[str, Any]) -> str:
    value = event.get("confidence")
    if value is None:
        return ""
    reasons = event.get("confidence_reasons") or []
    return f"{value:.2f}" + (f" ({'; '.join(reasons)})" if reasons else "")


def pretty_extraction(data: dict[str, Any]) -> str:
    """A readable summary of one ``Extraction.to_dict()``: its events, then its background."""
    report = data["report"]
    parts = [report.get("title"), f"[{report['id']}]", report.get("origin")]
    lines = ["== " + "  ".join(part for part in parts if part)]
    lines += [f"  warning: {warning}" for warning in report.get("warnings") or []]
    events = data.get("events") or []
    if not events:
        lines.append("  no events found")
    for number, event in enumerate(events, 1):
        lines += _event_lines(event, f"  {number}. ", "     ")
    background = data.get("background") or []
    if background:
        lines.append("  background:")
        for event in background:
            lines += _event_lines(event, "   - ", "     ")
    candidates = data.get("candidates") or []
    if candidates:
        lines.append("  candidates (under the confidence threshold):")
        for event in candidates:
            lines += _event_lines(event, "   ? ", "     ")
    return "\n".join(lines) + "\n\n"


def evidence_report_ids(event: dict[str, Any]) -> list[str]:
    """Every report the event's evidence points to, its own reports first."""
    ids = list(event.get("report_ids") or [])
    ids += [evidence["report_id"] for _, evidence in _evidence_items(event)]
    ids += [source["report_id"] for source in event.get("sources") or []]
    return list(dict.fromkeys(ids))


def _evidence_items(event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    items = [(name, evidence) for name, evidence in (event.get("evidence") or {}).items()]
    place = event.get("location") or {}
    if place.get("evidence"):
        items.append(("location", place["evidence"]))
    for kind in ("fatalities", "injured"):
        items += [
            (kind, figure["evidence"]) for figure in (event.get(kind) or {}).get("history", [])
        ]
    for key in ("weapons", "targets"):
        items += [(key, item["evidence"]) for item in event.get(key) or []]
    return items


def _report_text(report_id: str, reports: dict[str, dict[str, Any] | None]) -> str:
    report = reports.get(report_id)
    if report is None:
        return f"report {report_id} (not stored)"
    details = [report.get("title"), report.get("url"), report.get("origin")]
    details += [f"warning: {warning}" for warning in report.get("warnings") or []]
    known = "; ".join(part for part in details if part)
    return f"report {report_id}" + (f" ({known})" if known else "")


def _evidence_lines(
    evidence: dict[str, Any] | None, reports: dict[str, dict[str, Any] | None], indent: str
) -> list[str]:
    if not evidence:
        return [f"{indent}no evidence recorded"]
    return [
        f"{indent}“{evidence.get('text')}”",
        f"{indent}chars {evidence.get('start')}-{evidence.get('end')} of "
        f"{_report_text(evidence['report_id'], reports)}; rule {evidence.get('rule')}",
    ]


def _who(item: dict[str, Any]) -> str:
    who = ", ".join(part for part in (item.get("speaker"), item.get("channel")) if part)
    return f"said by {who}" if who else "speaker not named"


def explain_event(event: dict[str, Any], reports: dict[str, dict[str, Any] | None]) -> str:
    """Each field of an event with its evidence: quote, offsets, speaker, report and rule."""
    evidence = event.get("evidence") or {}
    place = event.get("location") or {}
    lines = [f"event {event['id']}" + ("  (background)" if event.get("background") else "")]
    lines.append(f"date: {_date_text(event)}")
    lines += _evidence_lines(evidence.get("event_date") or evidence.get("date"), reports, "    ")
    lines.append(f"type: {event.get('event_type')} / {event.get('sub_event_type')}")
    type_evidence = evidence.get("sub_event_type") or evidence.get("event_type")
    lines += _evidence_lines(type_evidence, reports, "    ")
    lines.append(f"place: {_place_text(place or None)}")
    lines += _evidence_lines(place.get("evidence") or evidence.get("location"), reports, "    ")
    shown = {"event_date", "date", "event_type", "sub_event_type", "location"}
    for name, item in evidence.items():
        if name not in shown:
            lines.append(f"{name}:")
            lines += _evidence_lines(item, reports, "    ")
    for kind, label in (("fatalities", "killed"), ("injured", "injured")):
        casualties = event.get(kind) or {}
        lines.append(f"{label}: {_casualty_text({**casualties, 'history': []})}")
        best_from = casualties.get("best_from")
        if best_from:
            lines.append(
                f"  best from {best_from['source_kind']} report {best_from['report_id']}"
                f" (revision {best_from['revision']}, said {best_from.get('said_at') or '?'})"
            )
        for number, figure in enumerate(casualties.get("history") or [], 1):
            when = f", at {figure['said_at']}" if figure.get("said_at") else ""
            lines.append(
                f"  {number}. {_figure_text(figure, attributed=False)}, {_who(figure)}{when}"
            )
            lines += _evidence_lines(figure.get("evidence"), reports, "       ")
    for reason in event.get("dispute_reasons") or []:
        lines.append(f"figures disputed: {reason}")
    for weapon in event.get("weapons") or []:
        count = "" if weapon.get("count") is None else f" × {weapon['count']}"
        intercepted = weapon.get("intercepted")
        extra = f", {intercepted} intercepted" if intercepted is not None else ""
        lines.append(
            f"weapon: {weapon['kind']}{count}{extra} ({weapon.get('claim_status')}), {_who(weapon)}"
        )
        lines += _evidence_lines(weapon.get("evidence"), reports, "    ")
    for target in event.get("targets") or []:
        lines.append(f"target: {target.get('kind')}: {target.get('text')}")
        lines += _evidence_lines(target.get("evidence"), reports, "    ")
    for source in event.get("sources") or []:
        outlet = f" in {source['outlet']}" if source.get("outlet") else ""
        lines.append(f"source: {_who(source)}{outlet}")
        quote = {
            "report_id": source["report_id"],
            "start": source.get("start"),
            "end": source.get("end"),
            "text": source.get("quote"),
            "rule": source.get("rule"),
        }
        lines += _evidence_lines(quote, reports, "    ")
    if event.get("notes"):
        lines.append(f"notes: {event['notes']}")
    lines.append(f"reports: {', '.join(event.get('report_ids') or [])}")
    lines += link_lines(event, reports)
    return "\n".join(lines) + "\n"


def link_lines(event: dict[str, Any], reports: dict[str, dict[str, Any] | None]) -> list[str]:
    """The event's mentions in the order they were said, and why each is in the event."""
    lines = [
        f"redirected: {hop['from']} → {hop['to']} ({hop['reason']})"
        for hop in event.get("redirected_from") or []
    ]
    links = sorted(event.get("links") or [], key=lambda link: link.get("said_at") or "")
    if links:
        lines.append(f"linked from {len(links)} mentions in {event.get('n_reports')} reports:")
    for link in links:
        report = reports.get(link["report_id"]) or {}
        outlet = report.get("source") or report.get("origin") or "?"
        lines.append(f"  {link.get('said_at') or 'undated'}  {link['mention_id']}  ({outlet})")
        if link.get("founded"):
            lines.append("      founded the event: " + "; ".join(link.get("reasons") or []))
        else:
            score = f" at {link['score']} points" if link.get("score") is not None else ""
            lines.append(
                f"      joined via {link.get('to')}{score}: " + ", ".join(link.get("reasons") or [])
            )
    return lines
