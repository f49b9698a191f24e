"""The server against hostile clients: the token compared in constant time, bodies over the limit
refused however they are sent, writes limited per client, the security headers on every answer,
and no file outside the static folder reachable however its path is spelled (over a real
socket, so no client library tidies the path first)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import free_port, served
from khronika.serving import app as app_module
from khronika.serving import limits, reports
from khronika.serving.limits import WriteLimit
from khronika.serving.responses import ApiError
from khronika.store import Store

TOKEN = "hardening-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}
EMPTY_BODY = b"\n"  # one failed result ("empty file"), after the limit and the token


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    path = tmp_path / "k.db"
    Store(path).close()
    return path


def test_the_token_is_compared_with_hmac_compare_digest(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = reports.hmac.compare_digest

    def spy(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return real(given, expected)

    monkeypatch.setattr(reports.hmac, "compare_digest", spy)
    with TestClient(app_module.create_app(empty_db, token=TOKEN)) as client:
        wrong = {**AUTH, "Authorization": "Bearer not-the-token"}
        assert client.post("/api/reports", content=EMPTY_BODY, headers=wrong).status_code == 401
        assert client.post("/api/reports", content=EMPTY_BODY, headers=AUTH).status_code == 200
    assert compared == [(b"not-the-token", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]


def test_a_chunked_body_over_the_limit_is_refused_without_a_length(empty_db: Path) -> None:
    def pieces() -> Iterator[bytes]:
        for _ in range(reports.MAX_BODY // 65536 + 2):
            yield b"x" * 65536

    with TestClient(app_module.create_app(empty_db, token=TOKEN)) as client:
        answer = client.post("/api/reports", content=pieces(), headers=AUTH)
    assert answer.status_code == 413
    assert answer.json()["error"]["message"] == f"body: over the limit of {reports.MAX_BODY} bytes"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_writes_past_the_limit_get_429_with_retry_after_and_other_clients_go_on(
    empty_db: Path,
) -> None:
    app = app_module.create_app(empty_db, token=TOKEN, writes_per_minute=3)
    with TestClient(app, client=("203.0.113.7", 40000)) as flooding:
        wrong = {**AUTH, "Authorization": "Bearer guess"}
        statuses = [flooding.post("/api/reports", content=EMPTY_BODY, headers=wrong).status_code]
        statuses += [
            flooding.post("/api/reports", content=EMPTY_BODY, headers=AUTH).status_code
            for _ in range(3)
        ]
        assert statuses == [401, 200, 200, 429]  # the wrong guess counted
        refused = flooding.post("/api/reports", content=EMPTY_BODY, headers=AUTH)
        assert refused.status_code == 429
        assert refused.json()["error"]["message"].startswith(
            "client 203.0.113.7: more than 3 writes a minute; retry in "
        )
        assert 1 <= int(refused.headers["retry-after"]) <= 20
        assert refused.headers["content-security-policy"]
        assert flooding.get("/api/stats").status_code == 200  # reading is never limited
    with TestClient(app, client=("198.51.100.2", 40000)) as other:
        assert other.post("/api/reports", content=EMPTY_BODY, headers=AUTH).status_code == 200


def test_the_write_limit_refills_one_write_per_share_of_a_minute() -> None:
    now = [1000.0]
    limit = WriteLimit(6, clock=lambda: now[0])  # one write back every 10 s
    for _ in range(6):
        limit.take("a")
    with pytest.raises(ApiError) as refused:
        limit.take("a")
    assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "10"}
    now[0] += 9.0
    with pytest.raises(ApiError):
        limit.take("a")
    now[0] += 1.0
    limit.take("a")  # 10 s later: one write back, and only one
    with pytest.raises(ApiError):
        limit.take("a")
    now[0] += 3600.0
    for _ in range(6):  # an hour idle fills the bucket, never past its size
        limit.take("a")
    with pytest.raises(ApiError):
        limit.take("a")
    with pytest.raises(ValueError, match="at least 1"):
        WriteLimit(0)


def test_the_write_limit_keeps_the_most_recent_clients_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(limits, "MAX_CLIENTS", 2)
    limit = WriteLimit(1, clock=lambda: 0.0)
    for client in ("a", "b", "c"):  # a third client: the least recent ("a") is forgotten
        limit.take(client)
    with pytest.raises(ApiError):
        limit.take("b")
    limit.take("a")  # forgotten, so a full bucket again; memory stays at two clients


@pytest.fixture
def server(empty_db: Path) -> Iterator[int]:
    """A real uvicorn on a free port serving the empty store; its port."""
    with served(app_module.create_app(empty_db)) as port:
        yield port


def raw_get(port: int, target: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``target`` exactly as written (no client normalises it): status, headers, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        connection.sendall(request.encode("latin-1"))
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


SECRET_PATHS = [
    "/static/../../etc/passwd",
    "/static/../../../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/%252e%252e/%252e%252e/etc/passwd",
    "/static/..%5c..%5c..%5c..%5cetc%5cpasswd",
    "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/../app.py",
    "/static/%2e%2e/app.py",
    "/static/..%2fapp.py",
    "/static/./../responses.py",
]


def test_no_file_outside_the_static_folder_is_served(server: int) -> None:
    status, headers, body = raw_get(server, "/static/app.css")
    assert status == 200 and body  # the route itself works
    assert headers["x-content-type-options"] == "nosniff"
    secrets = [
        Path("/etc/passwd").read_bytes()[:64] if Path("/etc/passwd").is_file() else b"root:",
        (Path(app_module.__file__).read_bytes()[:64]),
        (Path(app_module.__file__).with_name("responses.py").read_bytes()[:64]),
    ]
    for target in SECRET_PATHS:
        status, headers, body = raw_get(server, target)
        assert status in (400, 404), (target, status)
        assert not any(secret in body for secret in secrets), target
        assert headers["content-security-policy"] and headers["x-content-type-options"]
        if status == 404:
            assert json.loads(body)["error"]["status"] == 404


def test_every_kind_of_answer_carries_the_security_headers(empty_db: Path) -> None:
    with TestClient(app_module.create_app(empty_db, token=TOKEN)) as client:
        answers = {
            "static file": client.get("/static/app.css"),
            "index page": client.get("/"),
            "export": client.get("/api/export"),
            "401": client.post("/api/reports", content=EMPTY_BODY),
            "413": client.post("/api/reports", content=b"x" * (reports.MAX_BODY + 1), headers=AUTH),
            "415": client.post("/api/reports", content=b"{}", headers={**AUTH, "Content-Type": ""}),
        }
    for name, answer in answers.items():
        assert answer.headers.get("x-content-type-options") == "nosniff", name
        policy = answer.headers.get("content-security-policy", "")
        assert "default-src 'none'" in policy and "script-src 'self'" in policy, name
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, name


def test_cli_serve_sets_the_write_limit(
    empty_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import uvicorn

    from khronika.cli import main

    apps: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: apps.append(app))
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    argv = ["serve", "--db", str(empty_db), "--token-file", str(token_file)]
    assert main([*argv, "--writes-per-minute", "1"]) == 0
    with TestClient(apps[0]) as client:  # type: ignore[arg-type]
        first = client.post("/api/reports", content=EMPTY_BODY, headers=AUTH)
        second = client.post("/api/reports", content=EMPTY_BODY, headers=AUTH)
    assert (first.status_code, second.status_code) == (200, 429)
    assert "more than 1 writes a minute" in second.json()["error"]["message"]
    assert main([*argv, "--writes-per-minute", "0"]) == 2
    assert "argument --writes-per-minute: must be at least 1" in capsys.readouterr().err


@pytest.mark.parametrize(("trust", "statuses"), [([], [200, 429]), (["127.0.0.1"], [200, 200])])
def test_a_client_cannot_claim_another_address_unless_its_proxy_is_trusted(
    empty_db: Path, tmp_path: Path, trust: list[str], statuses: list[int]
) -> None:
    """``khronika serve`` itself (uvicorn as the command runs it): without --trust-proxy a
    made-up X-Forwarded-For does not earn a fresh write limit; with it, the proxy's header
    names the client."""
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    port = free_port()
    argv = ["serve", "--db", str(empty_db), "--token-file", str(token_file)]
    argv += ["--port", str(port), "--writes-per-minute", "1"]
    for address in trust:
        argv += ["--trust-proxy", address]
    command = [sys.executable, "-c", "from khronika.cli import main; raise SystemExit(main())"]
    server = subprocess.Popen([*command, *argv], env=os.environ.copy(), stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/api/health", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.1)
        answers = [
            httpx.post(
                f"{base}/api/reports",
                content=EMPTY_BODY,
                headers={**AUTH, "X-Forwarded-For": address},
                timeout=10,
            ).status_code
            for address in ("203.0.113.1", "203.0.113.2")
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert answers == statuses
