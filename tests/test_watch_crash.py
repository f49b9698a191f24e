"""Kill -9 trials: ``khronika watch`` killed with SIGKILL at 20 random moments while a local
feed publishes 500 items loses nothing, doubles nothing, and ends with the same events as an
uninterrupted run (the trial is ``watch_trials.py``; ``benchmarks/watch_crash.py`` prints it)."""

from __future__ import annotations

import os
from pathlib import Path

from khronika.places import Gazetteer
from watch_trials import trial


def test_watch_killed_at_random_moments_loses_and_doubles_nothing(
    tmp_path: Path, gaz: Gazetteer
) -> None:
    result = trial(tmp_path, dict(os.environ), items=500, kills=20)  # gaz set KHRONIKA_HOME
    assert result.stored == result.items == 500
    assert result.revisions == 500  # no item stored twice as a "revision" of itself
    assert (result.pending, result.failed) == (0, 0)
    assert result.events == result.reference_events > 100
    assert result.same_events, f"events differ from the uninterrupted run: {result.differences}"
