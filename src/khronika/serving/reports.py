"""Reports over HTTP: one stored report with its revisions, and POST of new reports through the
same code path as ``khronika ingest`` (read with the JSON / JSON Lines readers, stored before
extraction, extracted, linked), one result per record, nothing dropped silently."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request

from khronika.ingest import ReadError, ReadOptions, read_bytes
from khronika.ingest_run import CommitBatches, ingest_one
from khronika.linking import Linker
from khronika.records import Report
from khronika.serving.responses import ApiError
from khronika.serving.stores import Stores
from khronika.store import Store

MAX_BODY = 5_000_000
BODY_FORMATS = {
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/json-lines": "jsonl",
}


def check_token(request: Request, token: str | None) -> None:
    """403 when the server is read-only, 401 for a missing or wrong bearer token."""
    if token is None:
        raise ApiError(403, "read-only: this server was started without --token-file")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        raise ApiError(
            401,
            "header Authorization: expected 'Bearer <token>' with the server's token",
            {"WWW-Authenticate": "Bearer"},
        )


def body_format(request: Request) -> str:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in BODY_FORMATS:
        raise ApiError(
            415,
            f"header Content-Type: {media or 'none'} is not accepted "
            f"(send {', '.join(BODY_FORMATS)})",
        )
    return BODY_FORMATS[media]


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it passes ``MAX_BODY`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiError(413, f"body: {declared} bytes, the limit is {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, f"body: over the limit of {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def ingest_body(stores: Stores, body: bytes, fmt: str) -> dict[str, Any]:
    """Store, extract and link each record of the body; one result per record, in order."""
    origin = "body.jsonl" if fmt == "jsonl" else "body.json"
    items = list(read_bytes(body, origin, ReadOptions(format=fmt, max_bytes=MAX_BODY)))
    if not items:
        raise ApiError(400, "body: no reports in it")
    results: list[dict[str, Any]] = []
    with stores.write_lock:
        store = stores.get()
        linker = Linker(store)
        with CommitBatches(store, linker) as batches:  # one commit per batch, as ingest does
            for item in items:
                batches.tick()
                results.append(_ingest_item(store, linker, item))
    return {"results": results}


def _ingest_item(store: Store, linker: Linker, item: Report | ReadError) -> dict[str, Any]:
    if isinstance(item, ReadError):
        return {"id": None, "origin": item.origin, "status": "failed"} | {
            "error": item.message,
            "events": [],
        }
    outcome, _, error = ingest_one(store, item, linker)
    result: dict[str, Any] = {"id": item.id, "origin": item.origin, "status": outcome}
    if error is not None:
        result["error"] = error
    return {**result, "events": _event_ids(store, item)}


def _event_ids(store: Store, report: Report) -> list[str]:
    """The events the report's latest revision is now part of."""
    stored = store.get_report(report.id)
    revision = stored.revision if stored else 0
    mentions = store.mentions_of_report(report.id)
    return list(
        dict.fromkeys(
            m["event_id"] for m in mentions if m.get("revision") == revision and m["event_id"]
        )
    )


def report_body(store: Store, report_id: str) -> dict[str, Any]:
    """A stored report: its latest text and fields, every revision, its mentions and events."""
    stored = store.get_report(report_id)
    if stored is None:
        raise ApiError(404, f"no report with id {report_id!r}")
    report = stored.report
    mentions = [
        {"id": m["id"], "revision": m["revision"], "event_id": m["event_id"]}
        for m in store.mentions_of_report(report_id)
    ]
    return {
        "id": report.id,
        "text": report.text,
        "title": report.title,
        "url": report.url,
        "published": report.published.isoformat() if report.published else None,
        "source": report.source,
        "language": report.language,
        "origin": report.origin,
        "status": stored.status,
        "error": stored.error,
        "revisions": store.revisions(report_id),
        "mentions": mentions,
        "event_ids": list(dict.fromkeys(m["event_id"] for m in mentions if m["event_id"])),
    }


def event_reports(store: Store, report_ids: list[str]) -> list[dict[str, Any]]:
    """What an event's answer shows of each of its reports, in the order they were said."""
    refs: list[tuple[str, dict[str, Any]]] = []
    for report_id in dict.fromkeys(report_ids):
        stored = store.get_report(report_id)
        report = stored.report if stored else None
        when = report and (report.edited or report.published or report.received)
        refs.append(
            (
                when.isoformat() if when else "9999",
                {
                    "id": report_id,
                    "title": report and report.title,
                    "url": report and report.url,
                    "source": report and report.source,
                    "published": report.published.isoformat()
                    if report and report.published
                    else None,
                    "language": report and report.language,
                    "origin": report and report.origin,
                },
            )
        )
    return [ref for _, ref in sorted(refs, key=lambda pair: pair[0])]
