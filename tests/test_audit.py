"""Known vulnerabilities in what the tests run on: pip-audit checks every package Khronika and
its dev extras need (the installed versions, found by walking the requirements from
pyproject.toml) against the OSV advisory database.

Without the database (offline, or a network that does not reach api.osv.dev) the test skips
saying so, after one quick probe rather than a timeout per package. A fake OSV server on
127.0.0.1 checks that a vulnerability the database names does fail the audit."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytest.importorskip("pip_audit", reason="pip-audit is not installed (pip install -e '.[dev]')")

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
OSV = "https://api.osv.dev/v1/query"
PROBE_SECONDS = 5
AUDIT_SECONDS = 300  # a guard against a hang; an audit on line takes well under a minute


def pinned_closure(requirements: list[str]) -> dict[str, str]:
    """Each installed package the requirements need, directly or not: name to version."""
    found: dict[str, str] = {}
    extras_seen: dict[str, set[str]] = {}
    todo = [(Requirement(text), "") for text in requirements]
    while todo:
        requirement, parent_extra = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": parent_extra}):
            continue
        name = canonicalize_name(requirement.name)
        new_extras = set(requirement.extras) - extras_seen.get(name, set())
        if name in found and not new_extras:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed, so not part of this run (an optional platform package)
        found[name] = distribution.version
        extras_seen.setdefault(name, set()).update(requirement.extras)
        for text in distribution.requires or []:
            for extra in ["", *new_extras]:
                todo.append((Requirement(text), extra))
    return found


def test_walking_the_requirements_finds_the_installed_versions() -> None:
    closure = pinned_closure(["fastapi>=0.110", "psycopg[binary]>=3.1"])
    assert closure["fastapi"] == importlib.metadata.version("fastapi")
    assert "starlette" in closure and "pydantic" in closure  # needed by fastapi
    assert "psycopg-binary" in closure  # only through the extra
    assert "pytest" not in closure


def osv_query(name: str, version: str) -> dict[str, Any]:
    return {"package": {"name": name, "ecosystem": "PyPI"}, "version": version}


def probe(url: str) -> None:
    """Skip unless the OSV database answers one query (for pip-audit's own release) quickly."""
    query = osv_query("pip-audit", importlib.metadata.version("pip-audit"))
    try:
        answer = httpx.post(url, json=query, timeout=PROBE_SECONDS)
        answer.raise_for_status()
        answer.json()
    except (httpx.HTTPError, ValueError) as error:
        pytest.skip(f"the advisory database cannot be reached ({url}): {error!r}")


def audit(closure: dict[str, str], url: str, folder: Path) -> list[str]:
    """The known vulnerabilities of the pinned packages, one line each, from pip-audit."""
    requirements = folder / "requirements.txt"
    requirements.write_text("".join(f"{n}=={v}\n" for n, v in sorted(closure.items())))
    command = [sys.executable, "-m", "pip_audit", "--requirement", str(requirements)]
    command += ["--no-deps", "--disable-pip", "--vulnerability-service", "osv"]
    command += ["--osv-url", url, "--format", "json", "--progress-spinner", "off"]
    command += ["--cache-dir", str(folder / "cache"), "--timeout", str(PROBE_SECONDS * 2)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=AUDIT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.skip(f"the advisory database did not answer within {AUDIT_SECONDS} s")
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        if "ConnectionError" in result.stderr or "Timeout" in result.stderr:
            pytest.skip(f"the advisory database cannot be reached: {last}")
        pytest.fail(f"pip-audit failed ({result.returncode}): {last}")
    audited = [d for d in report["dependencies"] if "skip_reason" not in d]
    skipped = [d["name"] for d in report["dependencies"] if "skip_reason" in d]
    assert len(audited) == len(closure), f"pip-audit could not audit {skipped}"
    return [
        f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or '-'})"
        for d in audited
        for v in d["vulns"]
    ]


def test_no_dependency_has_a_known_vulnerability(tmp_path: Path) -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    closure = pinned_closure([*project["dependencies"], *project["optional-dependencies"]["dev"]])
    probe(OSV)
    found = audit(closure, OSV, tmp_path)
    assert not found, "known vulnerabilities (upgrade, or raise the bound):\n" + "\n".join(found)


class FakeOsv(BaseHTTPRequestHandler):
    """Knows one vulnerability: of the installed fastapi, fixed in 999.0."""

    def do_POST(self) -> None:
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer: dict[str, Any] = {}
        if query["package"]["name"] == "fastapi":
            fixed = {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "999.0"}]}
            affected = {"package": {"name": "fastapi", "ecosystem": "PyPI"}, "ranges": [fixed]}
            answer = {"vulns": [{"id": "KHRONIKA-TEST-1", "affected": [affected]}]}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def fake_osv() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    thread.join(timeout=10)


def test_a_vulnerability_the_database_names_fails_the_audit(fake_osv: str, tmp_path: Path) -> None:
    closure = pinned_closure(["fastapi>=0.110"])
    probe(fake_osv)
    found = audit(closure, fake_osv, tmp_path)
    assert found == [f"fastapi {closure['fastapi']}: KHRONIKA-TEST-1 (fixed in 999.0)"]
