"""Where shards are extracted: a local process pool, or a Dask cluster (local or remote).

Both run ``work.extract_shard`` with a bounded number of shards in flight (twice the workers),
so the reports held in memory stay a few shards' worth however long the input is, and yield
each outcome as it completes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Literal

from khronika.backfill.shards import Shard, ShardOutcome
from khronika.backfill.work import extract_shard, warm_up

EngineName = Literal["local", "dask"]
ENGINES: tuple[EngineName, ...] = ("local", "dask")


AGAIN = "the shards done are kept, run the same backfill again to go on"


class EngineError(Exception):
    """The engine could not start or lost its workers; what was done is kept."""


class Runner:
    """Submits shards to an engine and yields their outcomes as they complete."""

    def __init__(
        self, submit: Callable[..., Any], wait: Callable[[set[Any]], Any], workers: int
    ) -> None:
        self.submit, self.wait, self.in_flight = submit, wait, max(2, 2 * workers)

    def map(self, shards: Iterator[Shard]) -> Iterator[ShardOutcome]:
        pending: set[Any] = set()
        for shard in shards:
            pending.add(self.submit(extract_shard, shard.index, shard.items))
            while len(pending) >= self.in_flight:
                done, pending = self._next(pending)
                yield from done
        while pending:
            done, pending = self._next(pending)
            yield from done

    def _next(self, pending: set[Any]) -> tuple[list[ShardOutcome], set[Any]]:
        done, rest = self.wait(pending)
        try:
            outcomes = [future.result() for future in done]
        except BrokenProcessPool:
            raise EngineError(
                f"a worker process died (out of memory, or killed); {AGAIN}"
            ) from None
        except Exception as error:  # one report's failure is kept in its shard: this is not one
            raise EngineError(
                f"a worker failed: {type(error).__name__}: {error}; {AGAIN}"
            ) from None
        return sorted(outcomes, key=lambda o: o.index), set(rest)


@contextmanager
def start(engine: EngineName, workers: int, scheduler: str | None = None) -> Iterator[Runner]:
    """A runner on ``workers`` local processes, or on Dask (``scheduler``: an existing
    cluster's address, else a LocalCluster of ``workers`` processes on 127.0.0.1)."""
    if engine == "local":
        with _local(workers) as runner:
            yield runner
    else:
        with _dask(workers, scheduler) as runner:
            yield runner


@contextmanager
def _local(workers: int) -> Iterator[Runner]:
    # spawn, not fork: each worker starts clean and loads the gazetteer once, as Dask's do
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=warm_up)
    try:
        yield Runner(
            pool.submit, lambda fs: wait_futures(fs, return_when="FIRST_COMPLETED"), workers
        )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask(workers: int, scheduler: str | None) -> Iterator[Runner]:
    try:
        from distributed import Client, LocalCluster, wait
        from distributed.diagnostics.plugin import WorkerPlugin
    except ImportError:
        raise EngineError(
            "--engine dask needs dask.distributed: pip install 'khronika[dask]'"
        ) from None

    class WarmUp(WorkerPlugin):
        """Loads the gazetteer and packs when a worker starts (and joins later)."""

        name = "khronika-warm-up"

        def setup(self, worker: Any) -> None:
            warm_up()

    try:
        if scheduler:
            client = Client(scheduler, timeout=30)
            cluster = None
        else:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
    except (OSError, TimeoutError) as error:
        where = scheduler or "a local Dask cluster"
        raise EngineError(f"{where}: cannot connect: {error}") from None
    try:
        client.register_plugin(WarmUp())
        count = len(client.scheduler_info()["workers"]) or workers
        yield Runner(
            lambda fn, *args: client.submit(fn, *args, pure=False),
            lambda fs: wait(list(fs), return_when="FIRST_COMPLETED"),
            count,
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
