"""A throwaway PostgreSQL server for the tests: Debian's packages (installed with apt-get when
missing and the run is root), ``initdb`` into a temp dir, ``pg_ctl`` on a free loopback port,
stopped and removed at the end of the session. When it truly cannot start, ``start`` says why
and the PostgreSQL half of the tests skips with that reason."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

USER = "khronika"


@dataclass
class Server:
    """A running server; ``url(name)`` reaches one of its databases."""

    root: Path
    port: int
    run_as: list[str]
    bin_dir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, template: str = "template1") -> str:
        """A new empty database (or a copy of ``template``); its URL."""
        name = "t" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def rename_to_template(self, url: str, template: str) -> None:
        """Make the database at ``url`` the template ``template`` (no one may be connected)."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" RENAME TO "{template}"')

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data")]
            + ["-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


def _install() -> str | None:
    """Install Debian's PostgreSQL server; why not, when it cannot be."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "no PostgreSQL server binaries (initdb) and not root with apt-get to install them"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        return f"apt-get install postgresql failed: {' '.join(tail)}"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start() -> Server | str:
    """A running server, or the reason it could not start."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        reason = _install()
        if reason:
            return reason
        bin_dir = _bin_dir()
        if bin_dir is None:
            return "apt-get installed postgresql but no initdb was found"
    run_as: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="khronika-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as its own user
        user = _service_user()
        if user is None:
            return "running as root and no 'postgres' or 'nobody' user to run PostgreSQL as"
        run_as = ["runuser", "-u", user, "--"]
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data, log = root / "data", root / "server.log"
    done = subprocess.run(
        [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust"]
        + ["-E", "UTF8", "--locale=C.UTF-8"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        return f"initdb failed: {done.stderr.strip()[-300:]}"
    port = _free_port()
    # fsync off: a test server's data is thrown away; crash safety is tested on SQLite files
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    done = subprocess.run(
        [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log)]
        + ["-w", "-t", "60", "start"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        detail = log.read_text(errors="replace")[-300:] if log.exists() else done.stderr
        shutil.rmtree(root, ignore_errors=True)
        return f"pg_ctl start failed: {detail.strip()}"
    return Server(root, port, run_as, bin_dir)


def _service_user() -> str | None:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None
