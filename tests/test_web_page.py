"""The map page in headless Chromium, served by the real app over a store of the example reports
and an XSS probe: it loads without any request leaving 127.0.0.1, shows the API's events,
filters, brushes, opens events, restores its view from the URL and renders report text as text.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from khronika.cli import main
from khronika.places import Gazetteer

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
XSS_FLAG = "__khronikaXss"
PROBE_ID = "probe:xss-1"
# A report we wrote whose title, source, url, text and so its quoted sentence carry markup that
# would set a window flag if it were ever parsed as HTML; Poltava makes it an event.
PROBE = {
    "id": PROBE_ID,
    "title": f"Poltava <script>window.{XSS_FLAG}='title'</script> strike "
    f"<img src=x onerror=\"window.{XSS_FLAG}='title-img'\">",
    "url": f"javascript:window.{XSS_FLAG}='url'",
    "published": "2024-09-03T09:00:00",
    "source": f"Probe <b onmouseover=\"window.{XSS_FLAG}='source'\">desk</b>",
    "text": "Two people were killed and 11 injured when a Russian missile hit Poltava "
    f"<script>window.{XSS_FLAG}='text'</script> <img src=x onerror=\"window.{XSS_FLAG}='img'\"> "
    "on Tuesday, the regional governor said. Rescuers worked through the night.",
}


def _apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["apt-get", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed with apt-get when it is missing and we may (root)."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(f"{CHROMIUM} is missing and apt-get cannot install it here (not root)")
    result = _apt_get("install", "-y", "chromium")
    if result.returncode != 0:
        _apt_get("update")
        result = _apt_get("install", "-y", "chromium")
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing and `apt-get install -y chromium` failed: "
            + (result.stderr.strip().splitlines() or ["no message"])[-1]
        )
    return str(CHROMIUM)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def site(gaz: Gazetteer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app over a temp store of examples/reports/ and the probe, on 127.0.0.1."""
    app_module = pytest.importorskip("khronika.serving.app", reason="no serving app yet")
    import uvicorn

    work = tmp_path_factory.mktemp("web-page")
    probe = work / "xss-probe.json"
    probe.write_text(json.dumps(PROBE), encoding="utf-8")
    db = work / "page.db"
    assert main(["ingest", "--db", str(db), str(ROOT / "examples" / "reports"), str(probe)]) == 0
    port = _free_port()
    config = uvicorn.Config(
        app_module.create_app(db), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the app did not start on 127.0.0.1")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Visit:
    """One browser context on the page, with what must stay empty: requests to other hosts,
    console errors (CSP refusals land there too), page errors and CSP violation events."""

    page: Any
    base: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, hash_: str = "") -> None:
        self.page.goto(self.base + "/" + hash_)
        self.wait_until("document.body.dataset.ready === 'true'")

    def wait_until(self, expression: str, timeout: float = 20.0) -> None:
        """Poll ``expression`` from outside the page (wait_for_function evaluates its
        predicate with eval, which the page's CSP refuses, as it should)."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                pytest.fail(f"the page never reached: {expression}")
            time.sleep(0.05)

    def hooks(self, expression: str) -> Any:
        return self.page.evaluate(f"window.khronika.{expression}")

    def markers(self) -> list[dict[str, Any]]:
        return list(self.hooks("visible()"))

    def list_rows(self) -> list[str]:
        return list(
            self.page.locator("#list li.event-row").evaluate_all("l => l.map(e => e.dataset.id)")
        )

    def assert_clean(self) -> None:
        violations = self.page.evaluate("window.__cspViolations")
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside}"
        assert self.errors == [], f"console or page errors: {self.errors}"
        assert violations == [], f"CSP violations: {violations}"


@contextmanager
def watched(browser: Any, url: str) -> Iterator[Visit]:
    """One context on ``url`` in ``browser`` whose requests to other hosts are refused and
    recorded, with its console errors and CSP violations (``Visit.assert_clean``)."""
    context = browser.new_context(viewport={"width": 1400, "height": 850})
    page = context.new_page()
    seen = Visit(page, url)

    def route(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith("data:"):
            route.continue_()
        else:
            seen.outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    try:
        yield seen
    finally:
        context.close()


@pytest.fixture
def visit(browser: Any, site: str) -> Iterator[Visit]:
    with watched(browser, site) as seen:
        yield seen


def _points(site: str, **params: str) -> list[list[Any]]:
    rows: list[list[Any]] = httpx.get(site + "/api/points", params=params).json()["rows"]
    return rows


def _artifacts() -> Path:
    path = Path(os.environ.get("KHRONIKA_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_page_shows_the_apis_events_without_leaving_the_host(visit: Visit, site: str) -> None:
    visit.open()
    rows = _points(site)
    assert len(rows) > 20
    assert visit.hooks("selection()") == len(rows)
    # Every event is on the map, alone or in a cluster, and in the list (newest first).
    assert sum(m["count"] for m in visit.markers()) == len(rows)
    assert visit.list_rows() == [row[0] for row in rows][: len(visit.list_rows())]
    assert len(visit.list_rows()) == min(200, len(rows))
    assert visit.page.locator("#status").inner_text().startswith(f"{len(rows)} of {len(rows)}")
    visit.page.screenshot(path=str(_artifacts() / "map-page.png"))
    visit.assert_clean()


def test_type_filter_changes_markers_and_list(visit: Visit, site: str) -> None:
    visit.open()
    everything = visit.hooks("selection()")
    battles = _points(site, type="Battles")
    assert 0 < len(battles) < everything
    visit.page.select_option("#f-type", "Battles")
    visit.wait_until(f"window.khronika.selection() === {len(battles)}")
    visit.wait_until("location.hash.includes('type=Battles')")
    assert sum(m["count"] for m in visit.markers()) == len(battles)
    assert visit.list_rows() == [row[0] for row in battles]
    assert "type=Battles" in visit.page.url
    visit.assert_clean()


def test_brush_narrows_the_list(visit: Visit) -> None:
    visit.open()
    before = len(visit.list_rows())
    box = visit.page.locator("#timeline").bounding_box()
    y = box["y"] + box["height"] / 2
    visit.page.mouse.move(box["x"] + box["width"] * 0.55, y)
    visit.page.mouse.down()
    visit.page.mouse.move(box["x"] + box["width"] * 0.75, y, steps=5)
    visit.page.mouse.up()
    visit.wait_until(f"window.khronika.selection() < {before}")
    visit.wait_until("location.hash.includes('from=')")
    hash_ = dict(p.split("=", 1) for p in urlsplit(visit.page.url).fragment.split("&") if p)
    dates = visit.page.locator("#list .row-date").all_inner_texts()
    assert 0 < len(dates) < before
    assert all(hash_["from"] <= d <= hash_["to"] for d in dates)
    visit.assert_clean()


def _event_with_history(site: str) -> dict[str, Any]:
    """The event told by the most reports (ties: the longest figure history)."""
    best: dict[str, Any] = {}
    for row in _points(site):
        event = httpx.get(f"{site}/api/events/{row[0]}").json()
        history = [*(event["injured"] or {}).get("history", [])]
        key = (event["n_reports"], len(history))
        if not best or key > best["key"]:
            best = {"key": key, "event": event}
    return dict(best["event"])


def test_clicking_a_marker_opens_the_panel(visit: Visit, site: str) -> None:
    event = _event_with_history(site)
    loc = event["location"]
    visit.open(f"#c={loc['latitude']},{loc['longitude']}&z=10")
    box = visit.page.locator("#map").bounding_box()
    for _ in range(5):  # clusters over the event open (zoom in) until it stands alone
        markers = visit.markers()
        marker = next((m for m in markers if m.get("id") == event["id"]), None)
        if marker is not None:
            break
        here = visit.page.evaluate(f"window.khronika.pixel({loc['latitude']}, {loc['longitude']})")
        near = min(
            (m for m in markers if m["cluster"]),
            key=lambda m: (m["x"] - here["x"]) ** 2 + (m["y"] - here["y"]) ** 2,
        )
        zoom = visit.hooks("zoom()")
        visit.page.mouse.click(box["x"] + near["x"], box["y"] + near["y"])
        visit.wait_until(f"window.khronika.zoom() > {zoom}")
        visit.page.wait_for_timeout(300)
    assert marker is not None, f"{event['id']} never stood alone on the map"
    visit.page.mouse.click(box["x"] + marker["x"], box["y"] + marker["y"])
    panel = visit.page.locator("#panel")
    panel.locator(".event-id").wait_for()
    assert panel.locator(".event-id").inner_text() == event["id"]
    quotes = panel.locator(".source blockquote").all_inner_texts()
    assert quotes and set(quotes) <= {s["quote"] for s in event["sources"]}
    values = [h["value"] for h in event["injured"]["history"]]
    chart = panel.locator("svg.history-injured")
    assert chart.locator("circle").count() == len(values)
    caption = panel.locator("figure.history figcaption").all_inner_texts()
    assert "injured: " + " → ".join(map(str, values)) in caption
    assert panel.locator(".panel-links li").count() == len(event["links"])
    visit.wait_until(f"location.hash.includes('ev={event['id']}')")
    visit.assert_clean()


def test_the_url_restores_the_view(visit: Visit, site: str) -> None:
    event = _points(site, type="Explosions/Remote violence", min_killed="1")[0]
    visit.open(
        "#type=Explosions%2FRemote+violence&min_killed=1&from=2024-06-01&to=2025-12-31"
        f"&c=48.5,35&z=7&ev={event[0]}"
    )
    expected = _points(site, type="Explosions/Remote violence", min_killed="1", since="2024-06-01")
    assert visit.hooks("selection()") == len(expected)
    # The page rewrites the hash in its own form (centre to 4 decimals) once it has the view.
    visit.wait_until("location.hash.includes('c=48.5000')")
    first_url = visit.page.url
    visit.page.reload()
    visit.wait_until("document.body.dataset.ready === 'true'")
    assert visit.page.url == first_url
    assert visit.hooks("selection()") == len(expected)
    assert visit.page.input_value("#f-type") == "Explosions/Remote violence"
    assert visit.page.input_value("#f-min-killed") == "1"
    assert visit.page.evaluate("window.khronika.zoom()") == 7
    visit.page.locator("#panel .event-id").wait_for()
    assert visit.page.locator("#panel .event-id").inner_text() == event[0]
    visit.assert_clean()


def test_report_markup_renders_as_text(visit: Visit, site: str) -> None:
    probe = next(row for row in _points(site) if row[9] == "Poltava")
    visit.open(f"#ev={probe[0]}")
    panel = visit.page.locator("#panel")
    panel.locator(".event-id").wait_for()
    text = panel.inner_text()
    assert f"<script>window.{XSS_FLAG}='text'</script>" in text
    assert f"<img src=x onerror=\"window.{XSS_FLAG}='img'\">" in text
    assert f"Poltava <script>window.{XSS_FLAG}='title'</script> strike" in text  # its title
    assert f"Probe <b onmouseover=\"window.{XSS_FLAG}='source'\">desk</b>" in text  # outlet
    assert panel.locator("script, img, b").count() == 0
    assert panel.locator("a[href^='javascript']").count() == 0
    visit.page.wait_for_timeout(300)
    assert visit.page.evaluate(f"window.{XSS_FLAG}") is None
    links = panel.locator("a.ext")
    for k in range(links.count()):
        assert links.nth(k).get_attribute("rel") == "noopener noreferrer"
    visit.assert_clean()


def test_text_search_asks_the_server_and_downloads_carry_the_filters(
    visit: Visit, site: str
) -> None:
    visit.open()
    loads = visit.hooks("loads")
    found = _points(site, q="Saltivskyi")
    assert 0 < len(found) < visit.hooks("selection()")
    visit.page.fill("#f-q", "Saltivskyi")
    visit.wait_until(f"window.khronika.loads > {loads}")
    visit.wait_until(f"window.khronika.selection() === {len(found)}")
    assert visit.list_rows() == [row[0] for row in found]
    visit.page.fill("#f-min-killed", "1")
    visit.wait_until("document.getElementById('dl-acled').href.includes('min_killed=1')")
    href = visit.page.get_attribute("#dl-acled", "href")
    assert href is not None and href.startswith("/api/export?")
    exported = httpx.get(site + href)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    visit.assert_clean()


def test_play_moves_the_window_forward(visit: Visit) -> None:
    visit.open()
    visit.page.click("#play")
    visit.wait_until("location.hash.includes('from=')")
    first = visit.page.evaluate("new URLSearchParams(location.hash.slice(1)).get('from')")
    visit.wait_until(
        f"(new URLSearchParams(location.hash.slice(1)).get('from') || '') > '{first}'", 10
    )
    visit.page.click("#play")  # pause
    assert visit.page.inner_text("#play").endswith("Play")
    visit.assert_clean()
