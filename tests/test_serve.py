"""The HTTP API end to end over a store built by ingesting the example reports (real
extraction and linking), through FastAPI's test client; one test over a real uvicorn."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import served
from khronika.cli import main
from khronika.linking import corrections
from khronika.serving import app as app_module
from khronika.serving.responses import CONTENT_SECURITY_POLICY
from khronika.store import (
    EventFilter,
    Store,
    parse_bbox,
    parse_date,
    parse_near,
)
from test_store import make_event, stored_with

TOKEN = "test-token-0123456789abcdef"


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create(db)) as test_client:
        yield test_client


def create(db: Path, **options: Any) -> Any:
    return app_module.create_app(db, **options)


def ids(events: list[dict[str, Any]]) -> list[str]:
    return [event["id"] for event in events]


def stored_ids(db: Path, filters: EventFilter) -> list[str]:
    with Store(db) as store:
        return ids(store.query_events(filters))


def test_events_newest_first_with_the_stored_json(client: TestClient, db: Path) -> None:
    answer = client.get("/api/events", params={"limit": 1000})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    page = answer.json()
    with Store(db) as store:
        expected = store.query_events()
    assert page["events"] == expected and page["count"] == len(expected) > 20
    assert page["next_cursor"] is None
    dates = [event["event_date"] for event in page["events"]]
    assert dates == sorted(dates, reverse=True)
    first = page["events"][0]
    assert {"location", "fatalities", "injured", "sources", "links", "report_ids"} <= set(first)


FILTERS: list[tuple[dict[str, str], EventFilter]] = [
    ({"since": "2024-10-01"}, EventFilter(since=parse_date("2024-10-01"))),
    ({"until": "2024-10-01"}, EventFilter(until=parse_date("2024-10-01"))),
    ({"country": "Russia"}, EventFilter(country="RU")),
    ({"country": "ua"}, EventFilter(country="UA")),
    ({"admin1": "kharkiv oblast"}, EventFilter(admin1="Kharkiv")),
    ({"type": "air/drone strike"}, EventFilter(event_type="Air/drone strike")),
    ({"type": "Battles"}, EventFilter(event_type="Battles")),
    ({"near": "49.99,36.23,100"}, EventFilter(near=parse_near("49.99,36.23,100"))),
    ({"min_killed": "1"}, EventFilter(min_killed=1)),
    ({"bbox": "35,49,38,51"}, EventFilter(bbox=parse_bbox("35,49,38,51"))),
    ({"q": "drone"}, EventFilter(q="drone")),
    (
        {"type": "Explosions/Remote violence", "since": "2024-06-01", "bbox": "30,44,40,52"},
        EventFilter(
            event_type="Explosions/Remote violence",
            since=parse_date("2024-06-01"),
            bbox=parse_bbox("30,44,40,52"),
        ),
    ),
]


@pytest.mark.parametrize(("params", "filters"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_every_filter_selects_what_the_store_selects(
    client: TestClient, db: Path, params: dict[str, str], filters: EventFilter
) -> None:
    everything = stored_ids(db, EventFilter())
    expected = stored_ids(db, filters)
    assert 0 < len(expected) < len(everything)  # the filter does something here
    for path in ("/api/events", "/api/points", "/api/stats"):
        query = {**params, "limit": "1000"} if path == "/api/events" else params
        answer = client.get(path, params=query)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        if path == "/api/events":
            assert ids(body["events"]) == expected
        elif path == "/api/points":
            assert [row[0] for row in body["rows"]] == expected
        else:
            assert body["total"]["events"] == len(expected)


def test_background_events_only_when_asked(client: TestClient, db: Path) -> None:
    plain = client.get("/api/events", params={"limit": 1000}).json()["events"]
    both = client.get("/api/events", params={"limit": 1000, "background": "true"}).json()
    assert len(both["events"]) > len(plain)
    assert ids(both["events"]) == stored_ids(db, EventFilter(include_background=True))
    assert any(event["background"] for event in both["events"])


@pytest.mark.parametrize(
    "params", [{}, {"background": "true"}, {"type": "Explosions/Remote violence"}]
)
def test_paging_with_cursors_gives_the_unpaged_query(
    client: TestClient, params: dict[str, str]
) -> None:
    whole = client.get("/api/events", params={**params, "limit": 1000}).json()["events"]
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": "4", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/events", params=query).json()
        seen += page["events"]
        assert page["count"] == len(page["events"]) <= 4
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids(seen) == ids(whole) and len(whole) > 8


def test_geojson_csv_and_acled_pages(client: TestClient) -> None:
    geo = client.get("/api/events", params={"format": "geojson", "limit": 5})
    assert geo.headers["content-type"] == "application/geo+json"
    collection = geo.json()
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 5
    assert collection["next_cursor"]
    assert collection["features"][0]["geometry"]["type"] == "Point"
    table = client.get("/api/events", params={"format": "csv", "limit": 5})
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert len(rows) == 5 and rows[0]["id"].startswith("ev-")
    cursor = table.headers["x-next-cursor"]
    after = client.get("/api/events", params={"format": "csv", "limit": 5, "cursor": cursor})
    assert {r["id"] for r in csv.DictReader(io.StringIO(after.text))}.isdisjoint(
        r["id"] for r in rows
    )
    acled = client.get("/api/events", params={"format": "acled", "limit": 3})
    header = next(csv.reader(io.StringIO(acled.text)))
    assert header[:3] == ["event_id_cnty", "event_date", "year"]


def test_large_answers_are_gzipped_when_asked_and_keep_their_validator(
    client: TestClient,
) -> None:
    plain = client.get("/api/events", headers={"Accept-Encoding": "identity"})
    packed = client.get("/api/events", headers={"Accept-Encoding": "gzip"})
    assert len(plain.content) > 1024
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    assert packed.content == plain.content  # the client decodes it
    assert packed.headers["etag"] == plain.headers["etag"]
    assert packed.headers["etag"].startswith('W/"')
    again = client.get(
        "/api/events",
        headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]},
    )
    assert again.status_code == 304
    assert "content-security-policy" in packed.headers


def test_etag_and_if_none_match(client: TestClient, db: Path) -> None:
    for path in ("/api/events?limit=3", "/api/points", "/api/stats"):
        first = client.get(path)
        etag = first.headers["etag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    before = client.get("/api/stats").headers["etag"]
    with Store(db) as store:
        victim = store.query_events()[0]["id"]
        with store.transaction():
            store.delete_event(victim)
    assert client.get("/api/stats", headers={"If-None-Match": before}).status_code == 200


def test_one_event_with_its_reports_in_time_order(client: TestClient, db: Path) -> None:
    with Store(db) as store:
        event = max(store.query_events(), key=lambda e: e["n_reports"])
    assert event["n_reports"] >= 2
    answer = client.get(f"/api/events/{event['id']}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == event["id"] and body["links"] == event["links"]
    assert sorted(r["id"] for r in body["reports"]) == sorted(event["report_ids"])
    times = [r["published"] for r in body["reports"]]
    assert times == sorted(times)
    assert {"title", "url", "source", "language", "origin"} <= set(body["reports"][0])


def test_unknown_event_is_a_404_naming_the_id(client: TestClient) -> None:
    answer = client.get("/api/events/ev-nothing-here")
    assert answer.status_code == 404
    assert answer.json() == {
        "error": {"status": 404, "message": "no event with id 'ev-nothing-here'"}
    }


def test_a_merged_id_redirects_to_the_event_it_went_into(db: Path) -> None:
    with Store(db) as store:
        kharkiv = store.query_events(EventFilter(admin1="Kharkiv"))
        first, second = kharkiv[0]["id"], kharkiv[1]["id"]
        merged = corrections.merge(store, [first, second], "one event, for the test")
    gone = second if merged == first else first
    with TestClient(create(db)) as client:
        answer = client.get(f"/api/events/{gone}", follow_redirects=False)
        assert answer.status_code == 308
        assert answer.headers["location"] == f"/api/events/{merged}"
        followed = client.get(f"/api/events/{gone}")
        assert followed.status_code == 200 and followed.json()["id"] == merged


def test_points_are_compact_rows_and_placeless_events_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "small.db"
    with Store(path) as store:
        stored_with(store, "Kharkiv strike", make_event("r-aaaaaaaaaa", killed=(3,), injured=(9,)))
        stored_with(store, "Somewhere", make_event("r-bbbbbbbbbb", place=None))
    with TestClient(create(path)) as client:
        body = client.get("/api/points").json()
    assert body["fields"] == [
        "id", "date", "lat", "lon", "type", "sub_type", "killed", "injured",
        "admin1", "place", "n_reports", "precision",
    ]  # fmt: skip
    [row] = body["rows"]
    assert row[1:] == [
        "2024-05-23", 49.9935, 36.2304, "Explosions/Remote violence",
        "Shelling/artillery/missile attack", 3, 9, "Kharkiv", "Kharkiv", 1, 1,
    ]  # fmt: skip
    assert body["unplaced"] == 1


def test_stats_add_up(client: TestClient, db: Path) -> None:
    body = client.get("/api/stats").json()
    with Store(db) as store:
        events = store.query_events()
    killed = sum((e["fatalities"] or {}).get("best") or 0 for e in events)
    assert body["total"] == {
        "events": len(events),
        "killed": killed,
        "injured": sum((e["injured"] or {}).get("best") or 0 for e in events),
    }
    for key in ("by_day", "by_type", "by_admin1"):
        assert sum(group["events"] for group in body[key]) == len(events)
        assert sum(group["killed"] for group in body[key]) == killed
    days = [day["date"] for day in body["by_day"]]
    assert days == sorted(days)


@pytest.mark.parametrize("fmt", ["csv", "acled", "geojson"])
def test_export_streams_the_whole_selection(
    client: TestClient, db: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "EXPORT_PAGE", 4)  # several pages, joined seamlessly
    expected = stored_ids(db, EventFilter(since=parse_date("2024-06-01")))
    answer = client.get("/api/export", params={"format": fmt, "since": "2024-06-01"})
    assert answer.status_code == 200
    extension = "geojson" if fmt == "geojson" else "csv"
    assert answer.headers["content-disposition"] == (
        f"attachment; filename=khronika-events.{extension}"
    )
    if fmt == "geojson":
        got = [f["properties"]["id"] for f in answer.json()["features"]]
    else:
        column = "event_id_cnty" if fmt == "acled" else "id"
        got = [row[column] for row in csv.DictReader(io.StringIO(answer.text))]
    assert got == expected and len(expected) > 8


def test_export_of_nothing_is_a_valid_file(client: TestClient) -> None:
    table = client.get("/api/export", params={"format": "csv", "since": "2099-01-01"})
    assert table.text.startswith("id,event_date") and table.text.count("\n") == 1
    geo = client.get("/api/export", params={"format": "geojson", "since": "2099-01-01"})
    assert geo.json() == {"type": "FeatureCollection", "features": []}


def test_a_report_with_its_revisions_mentions_and_events(client: TestClient, db: Path) -> None:
    with Store(db) as store:
        revised = next(r for r in store.reports() if r.revision > 1)
    answer = client.get(f"/api/reports/{revised.report.id}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == revised.report.id and body["text"] == revised.report.text
    assert [r["revision"] for r in body["revisions"]] == list(range(1, revised.revision + 1))
    assert body["event_ids"]
    assert all(m["id"].startswith(revised.report.id) for m in body["mentions"])
    missing = client.get("/api/reports/telegram:0:0")
    assert missing.status_code == 404 and "telegram:0:0" in missing.json()["error"]["message"]


JSONL = "\n".join(
    [
        json.dumps(
            {
                "id": "api-test-1",
                "published": "2025-06-02",
                "source": "Test Wire",
                "text": "A Russian drone struck a bakery in Kharkiv on Monday, "
                "injuring four people, the regional governor said.",
            }
        ),
        "{not json",
        json.dumps({"id": "api-test-2", "text": ""}),
    ]
)


def test_token_rules(db: Path) -> None:
    with TestClient(create(db)) as read_only:
        refused = read_only.post("/api/reports", content=JSONL, headers=ndjson(TOKEN))
        assert refused.status_code == 403 and "read-only" in refused.json()["error"]["message"]
    with TestClient(create(db, token=TOKEN)) as writable:
        for headers in (ndjson(None), ndjson("wrong-token-0123456789"), ndjson(TOKEN, "Basic")):
            answer = writable.post("/api/reports", content=JSONL, headers=headers)
            assert answer.status_code == 401
            assert answer.headers["www-authenticate"] == "Bearer"
            assert "Authorization" in answer.json()["error"]["message"]
        accepted = writable.post("/api/reports", content=JSONL, headers=ndjson(TOKEN))
        assert accepted.status_code == 200


def ndjson(token: str | None, scheme: str = "Bearer") -> dict[str, str]:
    headers = {"Content-Type": "application/x-ndjson"}
    if token:
        headers["Authorization"] = f"{scheme} {token}"
    return headers


def test_post_json_lines_then_get_shows_its_events(db: Path) -> None:
    with TestClient(create(db, token=TOKEN)) as client:
        answer = client.post("/api/reports", content=JSONL, headers=ndjson(TOKEN))
        assert answer.status_code == 200
        new, broken, empty = answer.json()["results"]
        assert new["id"] == "api-test-1" and new["status"] == "new" and new["events"]
        assert broken["status"] == "failed" and broken["origin"] == "body.jsonl:2"
        assert "malformed JSON" in broken["error"]
        assert empty["status"] == "failed" and "empty text" in empty["error"]
        [event_id] = new["events"]
        event = client.get(f"/api/events/{event_id}").json()
        assert "api-test-1" in event["report_ids"]
        assert event["location"]["admin1"] == "Kharkiv" and event["injured"]["best"] == 4
        found = client.get("/api/events", params={"q": "bakery", "since": "2025-06-01"}).json()
        assert event_id in ids(found["events"])
        again = client.post("/api/reports", content=JSONL.split("\n")[0], headers=ndjson(TOKEN))
        assert again.json()["results"][0]["status"] == "unchanged"
        one = client.post(
            "/api/reports",
            json={"id": "api-test-1", "text": "A drone hit Kharkiv; five were injured."},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert one.json()["results"][0]["status"] == "revised"
        report = client.get("/api/reports/api-test-1").json()
        assert len(report["revisions"]) == 2


def test_bodies_over_5_mb_are_refused(db: Path) -> None:
    with TestClient(create(db, token=TOKEN)) as client:
        answer = client.post("/api/reports", content=b"x" * 5_000_001, headers=ndjson(TOKEN))
        assert answer.status_code == 413 and "body" in answer.json()["error"]["message"]
        plain = client.post(
            "/api/reports",
            content=b"hello",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"},
        )
        assert plain.status_code == 415 and "Content-Type" in plain.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"since": "23 May"}, "since"),
        ({"until": "2024-02-30"}, "until"),
        ({"since": "2024-06-01", "until": "2024-05-01"}, "since"),
        ({"country": "Atlantis"}, "country"),
        ({"near": "49.9,36.2"}, "near"),
        ({"near": "95,36.2,10"}, "near"),
        ({"bbox": "35,49,38"}, "bbox"),
        ({"bbox": "35,51,38,49"}, "bbox"),
        ({"min_killed": "-1"}, "min_killed"),
        ({"background": "perhaps"}, "background"),
        ({"q": "?!"}, "q"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    client: TestClient, params: dict[str, str], name: str
) -> None:
    answer = client.get("/api/events", params=params)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["status"] == 400 and error["message"].startswith(f"argument {name}: ")
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_every_answer_carries_the_csp_and_nosniff(client: TestClient) -> None:
    etag = client.get("/api/stats").headers["etag"]
    answers = [
        client.get("/"),
        client.get("/docs"),
        client.get("/openapi.json"),
        client.get("/api/events"),
        client.get("/api/stats", headers={"If-None-Match": etag}),
        client.get("/nowhere"),
        client.post("/api/events"),
        client.get("/static/does-not-exist.js"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 304, 404, 405, 404]
    for answer in answers:
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert answers[5].json()["error"]["message"] == "no such path: /nowhere"
    assert "<script" not in answers[1].text and "style=" not in answers[1].text
    assert "/api/events" in answers[1].text


def test_index_page_and_a_note_when_it_is_missing(
    client: TestClient, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = client.get("/")
    if (app_module.STATIC / "index.html").is_file():
        assert page.headers["content-type"].startswith("text/html")
    monkeypatch.setattr(app_module, "STATIC", tmp_path / "no-static")
    with TestClient(create(db)) as bare:
        note = bare.get("/")
        assert note.status_code == 200 and note.headers["content-type"].startswith("text/plain")
        assert "index.html is missing" in note.text


def test_cors_is_off_unless_an_origin_is_given(db: Path) -> None:
    origin = {"Origin": "http://localhost:5173"}
    with TestClient(create(db)) as closed:
        assert "access-control-allow-origin" not in closed.get("/api/stats", headers=origin).headers
    with TestClient(create(db, cors_origins=["http://localhost:5173"])) as opened:
        answer = opened.get("/api/stats", headers=origin)
        assert answer.headers["access-control-allow-origin"] == "http://localhost:5173"
        other = opened.get("/api/stats", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_a_missing_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no such database"):
        create(tmp_path / "absent.db")


def test_a_version_2_store_gets_its_text_index_and_place_columns(sqlite_db: Path) -> None:
    db = sqlite_db
    connection = sqlite3.connect(db)
    connection.executescript(
        """
        DROP TABLE events_fts; DROP INDEX events_cover;
        ALTER TABLE events DROP COLUMN place; ALTER TABLE events DROP COLUMN geo_precision;
        ALTER TABLE mentions DROP COLUMN place; ALTER TABLE mentions DROP COLUMN geo_precision;
        UPDATE meta SET value = '2' WHERE key = 'schema_version';
        """
    )
    connection.close()
    with Store(db) as store:
        assert store.schema_version() == 5
        assert len(store.query_events(EventFilter(q="drone"))) > 3
        rows, _ = store.point_rows_json(EventFilter())
    assert all(row[9] for row in json.loads(rows))  # every place has its name again


def test_a_real_server_answers_over_http(db: Path) -> None:
    with served(create(db)) as port:
        answer = httpx.get(f"http://127.0.0.1:{port}/api/events", params={"limit": 2})
        assert answer.status_code == 200 and answer.json()["count"] == 2
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_cli_serve_translates_its_options(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    argv = ["serve", "--db", str(db), "--port", "8765", "--token-file", str(token_file)]
    assert main([*argv, "--cors-origin", "http://localhost:5173"]) == 0
    [call] = calls
    assert call["host"] == "127.0.0.1" and call["port"] == 8765
    with TestClient(call["app"]) as client:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}
        assert client.post("/api/reports", content="{}", headers=headers).status_code == 200
    assert "accepting reports" in capsys.readouterr().err
    token_file.chmod(0o644)
    assert main(argv) == 0
    assert "can be read by other users" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("  \n", "is empty"), ("short", "at least 16")],
)
def test_cli_serve_refuses_bad_token_files(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    token_file = tmp_path / "token"
    if content is not None:
        token_file.write_text(content)
    assert main(["serve", "--db", str(db), "--token-file", str(token_file)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("khronika: error: argument --token-file: ") and message in err


def test_cli_serve_needs_an_existing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--db", str(tmp_path / "none.db")]) == 1
    assert "no such database" in capsys.readouterr().err
