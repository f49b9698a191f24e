"""The map page at scale: 100,000 events in headless Chromium, served by the real app.

``python benchmarks/web_page.py`` (part of ``make bench``):

1. The shipped examples are ingested into a temporary store (real extraction and linking); their
   placed main events are jittered into ``--events`` (default 100,000) new ones, the date moved
   by up to a year either way and the place by up to 0.5 degrees, each written through the
   store's own path (``Store.write_event``, as the linker writes).
2. ``khronika serve`` runs in its own process on 127.0.0.1; Debian's Chromium opens the page.
3. Measured: the time from navigation to the first markers painted; frame times while the map
   is dragged and wheel-zoomed by a scripted mouse (requestAnimationFrame deltas: p50/p95/max
   ms and fps); and how long a filter change (type, min killed, a brush window) takes in the
   page's own filter code and until the new selection is on screen.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from serving import build_store, free_port  # the same 100,000 jittered events

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "reports"
KHRONIKA = Path(sys.executable).parent / "khronika"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Records every frame's delta from the page's first script on, until asked to stop.
FRAME_PROBE = """
window.__frames = [];
window.__recording = false;
(function tick(last) {
  requestAnimationFrame((now) => {
    if (window.__recording) window.__frames.push(now - last);
    tick(now);
  });
})(performance.now());
"""


def _wait_http(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"web_page: khronika serve exited with {server.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"web_page: no answer from {url} in {timeout:.0f} s")


def _poll(page: Any, expression: str, timeout: float = 120) -> None:
    """Wait for ``expression`` from outside (the page's CSP refuses wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise SystemExit(f"web_page: the page never reached {expression}")
        time.sleep(0.02)


def _frames(page: Any, action: Any) -> list[float]:
    page.evaluate("window.__frames = []; window.__recording = true")
    action()
    page.evaluate("window.__recording = false")
    return list(page.evaluate("window.__frames"))


def _pan_and_zoom(page: Any) -> None:
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for k in range(8):
        dx, dy = (260, 0) if k % 2 == 0 else (-260, 120 if k % 4 == 1 else -120)
        page.mouse.move(cx, cy)
        page.mouse.down()
        page.mouse.move(cx + dx, cy + dy, steps=25)
        page.mouse.up()
        page.wait_for_timeout(150)
    for delta in (-300, -300, -300, 300, 300, 300):
        page.mouse.move(cx, cy)
        page.mouse.wheel(0, delta)
        page.wait_for_timeout(450)


def _summary(name: str, deltas: list[float]) -> str:
    if len(deltas) < 2:
        return f"{name}: too few frames ({len(deltas)})"
    ordered = sorted(deltas)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    fps = 1000 * len(deltas) / sum(deltas)
    return (
        f"{name}: {len(deltas)} frames, p50 {statistics.median(deltas):.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(deltas):.1f} ms, {fps:.0f} fps"
    )


def _filter_change(page: Any, label: str, act: Any) -> str:
    before = page.evaluate("window.khronika.selection()")
    started = time.perf_counter()
    act()
    _poll(page, f"window.khronika.selection() !== {before}")
    wall = (time.perf_counter() - started) * 1000
    inside = page.evaluate("window.khronika.lastFilterMs")
    after = page.evaluate("window.khronika.selection()")
    return (
        f"filter {label}: {before:,} -> {after:,} events, {inside:.0f} ms in the page's filter "
        f"code (select, timeline, clusters, list), {wall:.0f} ms until shown (incl. debounce)"
    )


def measure(url: str) -> None:
    from playwright.sync_api import sync_playwright

    points = httpx.get(url + "/api/points", timeout=120)
    print(f"/api/points: {len(points.json()['rows']):,} rows, {len(points.content) / 1e6:.1f} MB")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 850})
        page.add_init_script(FRAME_PROBE)
        page.goto(url + "/")
        _poll(page, "window.khronika && window.khronika.firstMarkersMs > 0")
        first = page.evaluate("window.khronika.firstMarkersMs")
        _poll(page, "document.body.dataset.ready === 'true'")
        markers = page.evaluate("window.khronika.visible().length")
        print(f"page load to first markers: {first:.0f} ms ({markers} markers and clusters drawn)")
        page.wait_for_timeout(500)
        print(_summary("idle", _frames(page, lambda: page.wait_for_timeout(1000))))
        print(_summary("pan and zoom", _frames(page, lambda: _pan_and_zoom(page))))
        print(
            _filter_change(page, "type=Battles", lambda: page.select_option("#f-type", "Battles"))
        )
        print(_filter_change(page, "type=all", lambda: page.select_option("#f-type", "")))
        print(_filter_change(page, "min killed 2", lambda: page.fill("#f-min-killed", "2")))

        def brush() -> None:
            box = page.locator("#timeline").bounding_box()
            y = box["y"] + box["height"] / 2
            page.mouse.move(box["x"] + box["width"] * 0.3, y)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=5)
            page.mouse.up()

        print(_filter_change(page, "brush 15% of the time axis", brush))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--keep", metavar="DIR", help="build the store in DIR and keep it")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"web_page: {CHROMIUM} is missing (apt-get install chromium)")
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="khronika-page-"))
    db = folder / "page.db"
    if not db.exists():
        build_store(db, args.events, degrees=0.5, placed_only=True)
    port = free_port()
    server = subprocess.Popen(
        [str(KHRONIKA), "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_http(url + "/", server)
        measure(url)
    finally:
        server.terminate()
        server.wait(timeout=10)
    if not args.keep:
        for name in ("page.db", "page.db-wal", "page.db-shm"):
            (folder / name).unlink(missing_ok=True)
        folder.rmdir()


if __name__ == "__main__":
    main()
