"""The map page follows /api/stream: a report ingested by another connection to the store (as
``khronika watch`` would) shows on the open page within seconds, without a reload, marked new on
the map and in the list; its revision with a raised toll marks it updated and refreshes its open
panel, whose figure history then holds both tolls. A merge takes the event away and moves its
open panel to the event it went into; a full relink makes the page reload its points."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from khronika.ingest_run import ingest
from khronika.linking import Linker, corrections
from khronika.records import Report
from khronika.store import EventFilter, Store

# The real app on 127.0.0.1 over this test's copy of the examples' store (``db``), which the
# test writes to through a connection of its own.
from test_stream import base  # noqa: F401

# Debian's Chromium (installed when missing), its flags, and the page's ``Visit`` (the page, with
# what must stay empty: requests to other hosts, console errors, CSP violations).
from test_web_page import CHROMIUM_ARGS, Visit, chromium, watched  # noqa: F401

LIVE_SECONDS = 5.0
REPORT_ID = "live-page:vinnytsia-1"
# Our own words, dated after every example so the event heads the list (newest first).
STRIKE = (
    "A Russian drone struck an apartment block in Vinnytsia on the night of 3 December 2026; "
    "{} people were killed, the regional governor said."
)


@contextmanager
def _visiting(executable: str, url: str) -> Iterator[Visit]:
    """A browser of our own, watched as test_web_page's ``visit`` fixture watches its page
    (``watched``): that fixture takes test_web_page's session-wide ``browser``, and a second
    sync Playwright cannot start in the thread where that one runs, so this test drives its own
    in a thread of its own, see ``_own_thread``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            with watched(browser, url) as seen:
                yield seen
        finally:
            browser.close()


def _own_thread(scenario: Callable[[], None], timeout: float = 60) -> None:
    """Runs ``scenario`` in a thread of its own; what it raised (a failure too) is raised here."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            scenario()
        except BaseException as error:  # a failure too: handed to the test's thread
            raised.append(error)

    thread = threading.Thread(target=run, name="live-page", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"the live page scenario did not end within {timeout} s")
    if raised:
        raise raised[0]


def _ingest(db: Path, killed: str, hour: int) -> str:
    """Our report (or its revision) ingested as another process would; its event's id."""
    report = Report(
        id=REPORT_ID,
        text=STRIKE.format(killed),
        title="Drone strike on Vinnytsia",
        published=datetime(2026, 12, 3, hour),
        source="Live desk",
    )
    with Store(db) as store:
        summary = ingest(store, [report])
        assert summary.ok, summary.errors
        return str(store.mentions_of_report(REPORT_ID)[-1]["event_id"])


def _shown_within(visit: Visit, expression: str, what: str, since: float) -> float:
    """Seconds (from ``since``) until ``expression`` holds on the page, at most LIVE_SECONDS."""
    while not visit.page.evaluate(expression):
        if time.monotonic() - since > LIVE_SECONDS:
            pytest.fail(f"not shown within {LIVE_SECONDS} s: {what} ({expression})")
        time.sleep(0.05)
    return time.monotonic() - since


def _row(event_id: str) -> str:
    return f"document.querySelector('#list li.event-row[data-id=\"{event_id}\"]')"


def test_an_ingested_report_and_its_revision_show_live(
    chromium: str,  # noqa: F811
    base: str,  # noqa: F811
    db: Path,
    tmp_path: Path,
) -> None:
    def scenario() -> None:
        with _visiting(chromium, base) as visit:
            _scenario(visit, db, tmp_path)

    _own_thread(scenario)


def _scenario(visit: Visit, db: Path, tmp_path: Path) -> None:
    visit.open()
    visit.wait_until("window.khronika.live === true", 10)
    assert visit.page.inner_text("#live") == "● live"
    before = visit.hooks("selection()")
    visit.page.evaluate("window.__sameDocument = true")  # gone if the page reloaded

    started = time.monotonic()
    event_id = _ingest(db, "two", 8)
    ingested = time.monotonic()
    seen = _shown_within(
        visit, f"window.khronika.selection() === {before + 1}", "one more event", ingested
    )
    row = _row(event_id)
    _shown_within(visit, f"{row}?.classList.contains('live-new')", "its row marked new", ingested)
    assert visit.page.evaluate("window.__sameDocument") is True
    assert visit.hooks("loads") == 1
    assert visit.list_rows()[0] == event_id  # newest first: the new event heads the list
    assert visit.page.evaluate(f"{row}.querySelector('.live-badge').textContent") == "new"
    assert visit.page.evaluate(f"{row}.querySelector('.row-toll').textContent").startswith(
        "2 killed"
    )
    # A ring on the map: around the event's own marker, or the cluster it is in.
    _shown_within(
        visit,
        "window.khronika.visible().some(m => m.highlight === 'new')",
        "a highlighted marker",
        ingested,
    )
    assert visit.page.locator("#map .live-pulse.live-new").count() >= 1
    mine = [m for m in visit.markers() if m.get("id") == event_id]
    assert not mine or mine[0]["highlight"] == "new"
    visit.page.screenshot(path=str(tmp_path / "live-new.png"))

    # Its panel open, a revision of the same report raises the toll: updated, and re-rendered.
    visit.page.click(f"#list li.event-row[data-id='{event_id}']")
    panel = visit.page.locator("#panel")
    panel.locator(".event-id").wait_for()
    assert panel.locator(".event-id").inner_text() == event_id
    assert "killed: 2" in panel.locator("figure.history figcaption").all_inner_texts()
    updates = visit.hooks("updates")
    revised_at = time.monotonic()
    assert _ingest(db, "three", 9) == event_id
    revised = time.monotonic()
    _shown_within(
        visit, f"{row}?.classList.contains('live-updated')", "its row marked updated", revised
    )
    assert visit.hooks("updates") > updates
    assert visit.hooks("selection()") == before + 1  # replaced, not added
    assert visit.page.evaluate(f"{row}.querySelector('.live-badge').textContent") == "updated"
    _shown_within(
        visit,
        "[...document.querySelectorAll('#panel figure.history figcaption')]"
        ".some(c => c.textContent === 'killed: 2 → 3')",
        "the panel's killed history 2 → 3",
        revised,
    )
    assert panel.locator(".tolls").inner_text().split("Killed")[1].split()[0] == "3"
    chart = panel.locator("svg.history-killed")
    assert chart.locator("circle").count() == 2
    labels = chart.locator("text.history-label").evaluate_all("l => l.map(e => e.textContent)")
    assert labels == ["2", "3"]
    assert panel.locator(".panel-live").count() == 1
    assert visit.page.evaluate("window.__sameDocument") is True
    assert visit.hooks("loads") == 1
    _shown_within(
        visit,
        "window.khronika.visible().some(m => m.highlight)",
        "a highlighted marker after the update",
        revised,
    )
    visit.page.screenshot(path=str(tmp_path / "live-updated.png"))
    print(
        f"new event on the page {seen:.2f} s after its ingest "
        f"({ingested - started:.2f} s to ingest); revision ingested in "
        f"{revised - revised_at:.2f} s"
    )
    visit.assert_clean()


def test_a_merge_moves_the_open_panel_and_a_relink_reloads(
    chromium: str,  # noqa: F811
    base: str,  # noqa: F811
    db: Path,
) -> None:
    def scenario() -> None:
        with _visiting(chromium, base) as visit:
            visit.open()
            visit.wait_until("window.khronika.live === true", 10)
            before = visit.hooks("selection()")
            event_id = _ingest(db, "two", 8)
            row = _row(event_id)
            _shown_within(visit, f"!!{row}", "the new event's row", time.monotonic())
            visit.page.click(f"#list li.event-row[data-id='{event_id}']")
            visit.page.locator("#panel .event-id").wait_for()

            # Merged into another event: it leaves the map and the list, its panel follows.
            with Store(db) as store:
                other = next(
                    e["id"] for e in store.query_events(EventFilter(limit=5)) if e["id"] != event_id
                )
                assert corrections.merge(store, [other, event_id], "one strike after all") == other
            merged = time.monotonic()
            _shown_within(visit, f"window.khronika.selection() === {before}", "one less", merged)
            _shown_within(visit, f"!{row}", "its row gone", merged)
            _shown_within(
                visit,
                f"document.querySelector('#panel .event-id')?.textContent === '{other}'",
                "the panel on the event it went into",
                merged,
            )
            assert not any(m.get("id") == event_id for m in visit.markers())

            # Everything linked again: the page is told to reload its points, and does.
            loads = visit.hooks("loads")
            with Store(db) as store:
                Linker(store).relink_all()
            _shown_within(
                visit, f"window.khronika.loads > {loads}", "the points reloaded", time.monotonic()
            )
            visit.wait_until("window.khronika.live === true", 10)
            visit.assert_clean()

    _own_thread(scenario)
