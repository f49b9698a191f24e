"""The FastAPI application: the record's events, points, counts and reports as JSON, GeoJSON
and CSV, the map page, and (with a token) new reports in.

Read-only unless a token is given; every answer carries a strict Content-Security-Policy; every
error is ``{"error": {"status", "message"}}`` with a message naming the bad input.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, Query
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.staticfiles import StaticFiles

from khronika import __version__, export, export_tables
from khronika.records import Report
from khronika.serving import paging, reports, schemas, stream
from khronika.serving.docs import docs_page
from khronika.serving.limits import WriteLimit
from khronika.serving.params import FORMS, event_filter
from khronika.serving.responses import (
    JSON,
    ApiError,
    SecurityHeaders,
    cached,
    dumps,
    error_response,
)
from khronika.serving.stores import Stores
from khronika.store import EventFilter
from khronika.store.summary import POINT_FIELDS

STATIC = Path(__file__).parent / "static"
GEOJSON = "application/geo+json"
SSE = "text/event-stream"
CSV = "text/csv; charset=utf-8"
PARQUET = "application/vnd.apache.parquet"
EXPORT_PAGE = 1000
WRITES_PER_MINUTE = 60  # POSTs per client address; each may carry up to 5 MB of reports
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.ErrorBody, "description": "a bad parameter, named in the message"},
}
Filters = Annotated[EventFilter, Depends(event_filter)]
Limit = Annotated[int, Query(ge=1, le=1000, description="events per page")]
Cursor = Annotated[
    str | None, Query(description="next_cursor of the previous page", max_length=2000)
]


def _validation_message(err: RequestValidationError) -> str:
    """``argument NAME: what is wrong`` for the first problem FastAPI found."""
    problems = err.errors()
    if not problems:
        return "invalid request"
    first = problems[0]
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path")]
    name = location[-1] if location else "request"
    given = first.get("input")
    shown = f", got {given!r}" if isinstance(given, str | int | float) else ""
    message = first.get("msg", "invalid")
    if first.get("type") == "string_pattern_mismatch" and name in FORMS:
        message = f"expected {FORMS[name]}"
    return f"argument {name}: {message}{shown}"


def _events_page(
    stores: Stores, filters: EventFilter, limit: int, cursor: str | None
) -> tuple[list[tuple[Any, str]], str | None]:
    """One page of (key, JSON text) newest first, and the cursor of the next page if any."""
    after = paging.decode(cursor) if cursor else None
    rows = list(stores.get().iter_event_json(replace(filters, limit=limit + 1, after=after)))
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], paging.encode(rows[limit - 1][0])


def _export_pages(stores: Stores, filters: EventFilter) -> Iterator[list[dict[str, Any]]]:
    """The whole selection in pages of ``EXPORT_PAGE`` (the last may be empty), each a fresh
    keyset query (so each runs on whichever worker thread streams it, with that thread's
    connection)."""
    after = None
    while True:
        page = list(stores.get().iter_event_json(replace(filters, limit=EXPORT_PAGE, after=after)))
        yield [json.loads(text) for _, text in page]
        if len(page) < EXPORT_PAGE:
            break
        after = page[-1][0]


def _stored_report(stores: Stores, report_id: str) -> Report | None:
    stored = stores.get().get_report(report_id)
    return stored.report if stored else None


def _export_chunks(stores: Stores, filters: EventFilter, fmt: str) -> Iterator[bytes]:
    """The selection as one file in pieces, a page at a time (Parquet: a row group of
    ``export_tables.BATCH_EVENTS`` at a time)."""
    pages = _export_pages(stores, filters)
    if fmt == "parquet":
        yield from export_tables.parquet_chunks(event for page in pages for event in page)
        return
    stamp = int(time.time())
    first = True
    if fmt == "geojson":
        yield b'{"type":"FeatureCollection","features":['
    for events in pages:
        if fmt == "geojson":
            features = (
                json.dumps(f, ensure_ascii=False) for f in export.geojson(events)["features"]
            )
            text = ("" if first or not events else ",") + ",".join(features)
        else:
            out = io.StringIO()
            if fmt == "acled":
                export.write_acled(events, out, timestamp=stamp)
            elif fmt == "ucdp":
                export_tables.write_ucdp(events, out, partial(_stored_report, stores))
            else:
                export.write_csv(events, out)
            text = out.getvalue() if first else out.getvalue().split("\n", 1)[1]
        yield text.encode("utf-8")
        first = False
    if fmt == "geojson":
        yield b"]}\n"


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, err: ApiError) -> Response:
        return error_response(err.status, err.message, err.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> Response:
        return error_response(400, _validation_message(err))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> Response:
        message = str(err.detail)
        if err.status_code == 404:
            message = f"no such path: {request.url.path}"
        elif err.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        return error_response(err.status_code, message, dict(err.headers or {}))

    @app.exception_handler(Exception)
    async def crashed(request: Request, err: Exception) -> Response:
        return error_response(500, f"internal error: {type(err).__name__}")


def create_app(
    db_path: str | Path,
    token: str | None = None,
    cors_origins: Sequence[str] = (),
    writes_per_minute: int = WRITES_PER_MINUTE,
) -> FastAPI:
    """The API over the store at ``db_path`` (which must exist). POST /api/reports needs
    ``token`` and is limited to ``writes_per_minute`` per client address; without a token the
    server is read-only. CORS is off unless origins are given."""
    stores = Stores(db_path, read_only=True if token is None else None)
    write_limit = WriteLimit(writes_per_minute)
    app = FastAPI(
        title="Khronika",
        version=__version__,
        description="Conflict events linked across reports, every value with its evidence.",
        docs_url=None,
        redoc_url=None,
    )
    _install_errors(app)

    @app.get(
        "/api/events",
        summary="Events matching the filters, newest first, one page at a time",
        response_model=None,
        responses={
            200: {
                "model": schemas.EventsPage,
                "description": "a page of events (json), a FeatureCollection (geojson) or CSV",
                "content": {GEOJSON: {}, "text/csv": {}},
            },
            304: {"description": "not modified (If-None-Match)"},
            **ERRORS,
        },
    )
    def events(
        request: Request,
        filters: Filters,
        limit: Limit = 100,
        cursor: Cursor = None,
        fmt: Annotated[Literal["json", "geojson", "csv", "acled"], Query(alias="format")] = "json",
    ) -> Response:
        rows, next_cursor = _events_page(stores, filters, limit, cursor)
        if fmt == "json":
            body = b'{"events":[' + ",".join(text for _, text in rows).encode("utf-8")
            body += b'],"count":%d,"next_cursor":%s}' % (len(rows), dumps(next_cursor))
            return cached(request, body, JSON)
        decoded = [json.loads(text) for _, text in rows]
        if fmt == "geojson":
            collection = {**export.geojson(decoded), "next_cursor": next_cursor}
            return cached(request, dumps(collection), GEOJSON)
        out = io.StringIO()
        export.write(decoded, fmt, out)
        headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
        return cached(request, out.getvalue().encode("utf-8"), CSV, headers)

    @app.get(
        "/api/events/{event_id}",
        summary="One event with its evidence and its reports in time order",
        response_model=None,
        responses={
            200: {"model": schemas.EventWithReports, "description": "the event"},
            304: {"description": "not modified (If-None-Match)"},
            308: {"description": "the id was merged or split away: where its reports went"},
            404: {"model": schemas.ErrorBody, "description": "no event with this id"},
        },
    )
    def event(request: Request, event_id: str) -> Response:
        store = stores.get()
        current, followed = store.resolve_event_id(event_id)
        if not store.event_exists(current):
            similar = store.event_ids_starting(event_id) if event_id else []
            hint = f"; ids starting so: {', '.join(similar)}" if similar else ""
            raise ApiError(404, f"no event with id {event_id!r}{hint}")
        if followed:
            return RedirectResponse(f"/api/events/{quote(current, safe='')}", status_code=308)
        data = store.get_event(current) or {}
        data["reports"] = reports.event_reports(store, data.get("report_ids") or [])
        return cached(request, dumps(data), JSON)

    @app.get(
        "/api/points",
        summary="Every matching placed event as one compact row, for the map",
        response_model=None,
        responses={
            200: {"model": schemas.Points, "description": "rows of POINT fields"},
            304: {"description": "not modified (If-None-Match)"},
            **ERRORS,
        },
    )
    def points(request: Request, filters: Filters) -> Response:
        store = stores.get()
        seq = store.last_change()  # read first: a change made meanwhile is streamed again
        rows, unplaced = store.point_rows_json(filters)
        body = b'{"fields":%s,"rows":%s,"unplaced":%d,"seq":%d}' % (
            dumps(list(POINT_FIELDS)),
            rows.encode("utf-8"),
            unplaced,
            seq,
        )
        return cached(request, body, JSON)

    @app.get(
        "/api/stats",
        summary="Events, killed and injured in all, by day, by type and by region",
        response_model=None,
        responses={
            200: {"model": schemas.Stats, "description": "the counts"},
            304: {"description": "not modified (If-None-Match)"},
            **ERRORS,
        },
    )
    def stats(request: Request, filters: Filters) -> Response:
        return cached(request, dumps(stores.get().stats(filters)), JSON)

    @app.get(
        "/api/stream",
        summary="Server-sent events: events new, updated or gone, as they are written",
        description="`point` messages carry the event's /api/points row, `drop` messages an "
        "event to take away (removed, merged, or no longer matching the filters), `reset` asks "
        "the client to reload. Each message's `id` is its change number: reconnect with "
        "`Last-Event-ID` or `after` to miss nothing. The filters are those of /api/points.",
        response_model=None,
        responses={
            200: {"description": "an endless text/event-stream", "content": {SSE: {}}},
            **ERRORS,
        },
    )
    def live(
        request: Request,
        filters: Filters,
        after: Annotated[
            int | None, Query(ge=0, description="change number to start after (default: now)")
        ] = None,
    ) -> Response:
        start = stream.start_of(after, request.headers.get("last-event-id"))
        return StreamingResponse(
            stream.event_stream(stores, filters, start, request.is_disconnected),
            media_type=SSE,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.get(
        "/api/export",
        summary="The whole selection as a download, streamed",
        response_model=None,
        responses={
            200: {
                "description": "CSV, ACLED-style CSV, UCDP GED-style CSV, GeoJSON or Parquet",
                "content": {"text/csv": {}, GEOJSON: {}, PARQUET: {}},
            },
            **ERRORS,
        },
    )
    def export_events(
        filters: Filters,
        fmt: Annotated[
            Literal["csv", "geojson", "acled", "ucdp", "parquet"], Query(alias="format")
        ] = "csv",
    ) -> Response:
        extension = fmt if fmt in ("geojson", "parquet") else "csv"
        return StreamingResponse(
            _export_chunks(stores, filters, fmt),
            media_type={"geojson": GEOJSON, "parquet": PARQUET}.get(fmt, CSV),
            headers={"Content-Disposition": f"attachment; filename=khronika-events.{extension}"},
        )

    @app.get(
        "/api/reports/{report_id:path}",
        summary="One stored report with its revisions, mentions and events",
        response_model=None,
        responses={
            200: {"model": schemas.StoredReportBody, "description": "the report"},
            304: {"description": "not modified (If-None-Match)"},
            404: {"model": schemas.ErrorBody, "description": "no report with this id"},
        },
    )
    def report(request: Request, report_id: str) -> Response:
        return cached(request, dumps(reports.report_body(stores.get(), report_id)), JSON)

    @app.post(
        "/api/reports",
        summary="Ingest reports: one JSON object, or JSON Lines (Bearer token)",
        description="The same rules as `khronika ingest` of a .json / .jsonl file; one result "
        "per record, failed ones with their error.",
        response_model=None,
        responses={
            200: {"model": schemas.IngestResults, "description": "one result per record"},
            400: {"model": schemas.ErrorBody, "description": "no records in the body"},
            401: {"model": schemas.ErrorBody, "description": "missing or wrong token"},
            403: {"model": schemas.ErrorBody, "description": "the server is read-only"},
            413: {"model": schemas.ErrorBody, "description": "body over 5 MB"},
            415: {"model": schemas.ErrorBody, "description": "not JSON or JSON Lines"},
            429: {
                "model": schemas.ErrorBody,
                "description": "too many writes from this client: retry after Retry-After s",
            },
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/x-ndjson": {"schema": {"type": "string"}},
                },
            },
            **({"security": [{"bearer": []}]} if token else {}),
        },
    )
    async def post_reports(request: Request) -> Response:
        if token is not None:  # counted before the token, so guessing it is limited too
            write_limit.take(request.client.host if request.client else "unknown")
        reports.check_token(request, token)
        fmt = reports.body_format(request)
        body = await reports.read_body(request)
        results = await run_in_threadpool(reports.ingest_body, stores, body, fmt)
        return Response(dumps(results), media_type=JSON)

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return HTMLResponse(docs_page(app.openapi()))

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        page = STATIC / "index.html"
        if page.is_file():
            return FileResponse(page, media_type="text/html")
        return PlainTextResponse(
            "Khronika's API is running (see /docs); the map page is not built "
            "(src/khronika/serving/static/index.html is missing).\n"
        )

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if token:
        _add_bearer_scheme(app)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "X-Next-Cursor", "Content-Disposition"],
        )
    # Level 5: the 100,000-point answer shrinks eightfold (11 MB to 1.4 MB), faster than 9.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    app.add_middleware(SecurityHeaders)
    return app


def _add_bearer_scheme(app: FastAPI) -> None:
    """The bearer scheme POST /api/reports names (when it can be used), added to the
    generated document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http",
                "scheme": "bearer",
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
