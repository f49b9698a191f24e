"""What an idle ``khronika watch`` costs: CPU share of one core while no source is due.

``python benchmarks/watch_idle.py [--sources 20] [--seconds 5]`` (part of ``make bench``): a
watcher on ``--sources`` folder sources (empty, polled every hour) in a temporary folder runs
in its own process; its CPU time over ``--seconds`` after it settles is printed as a share of a
core. A watcher runs for months and mostly waits, so this should be about 0 %.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTLE_SECONDS = 2.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    if not Path("/proc/self/stat").exists():
        print("needs Linux /proc to read a process's CPU time; nothing measured")
        return 0
    with tempfile.TemporaryDirectory(prefix="khronika-idle-") as scratch:
        folder = Path(scratch)
        config = ["[watch]", "host_delay = 0", ""]
        for n in range(args.sources):
            (folder / f"inbox-{n}").mkdir()
            config += ["[[source]]", f'id = "inbox-{n}"', 'kind = "folder"']
            config += [f'path = "inbox-{n}"', "interval = 3600", ""]
        (folder / "watch.toml").write_text("\n".join(config), encoding="utf-8")
        env = {**os.environ, "KHRONIKA_HOME": os.environ.get("KHRONIKA_HOME", scratch)}
        command = [sys.executable, "-c", "from khronika.cli import main; raise SystemExit(main())"]
        command += ["watch", str(folder / "watch.toml")]
        command += ["--db", str(folder / "k.db")]
        watcher = subprocess.Popen(command, env=env, cwd=folder, stderr=subprocess.DEVNULL)
        try:
            time.sleep(SETTLE_SECONDS)  # started, every source polled once
            if watcher.poll() is not None:
                raise SystemExit(f"the watcher stopped with status {watcher.returncode}")
            before = cpu_seconds(watcher.pid)
            time.sleep(args.seconds)
            used = cpu_seconds(watcher.pid) - before
        finally:
            watcher.send_signal(signal.SIGINT)
            watcher.wait(timeout=30)
    print(
        f"idle watch, {args.sources} sources: {used:.2f} CPU s in {args.seconds:g} s "
        f"= {used / args.seconds:.1%} of a core"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
