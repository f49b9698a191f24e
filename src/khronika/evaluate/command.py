"""``python -m khronika.evaluate`` (later ``khronika eval``): score a gold file, print a report."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from khronika.evaluate.acled import score_acled
from khronika.evaluate.cases import score_cases
from khronika.evaluate.extraction import Extractor, pipeline_extractor
from khronika.evaluate.gold import score_gold
from khronika.evaluate.linking import score_link_stream, score_link_ucdp, score_link_warline
from khronika.evaluate.readers import EvalInputError
from khronika.evaluate.result import DEFAULT_MISSES, EvalResult, format_text
from khronika.evaluate.ucdp import score_ucdp

Scorer = Callable[..., EvalResult]
SCORERS: dict[str, Scorer] = {
    "acled": score_acled,
    "ucdp": score_ucdp,
    "cases": score_cases,
    "gold": score_gold,
    "link-warline": score_link_warline,
    "link-ucdp": score_link_ucdp,
    "link-stream": score_link_stream,
}
PROGRESS_EVERY = 100


def build_parser(prog: str = "python -m khronika.evaluate") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Score Khronika's extraction against gold rows (see shared/eval/README.md).",
    )
    parser.add_argument("dataset", choices=sorted(SCORERS), help="which kind of gold file")
    parser.add_argument("file", type=Path, help="the gold file (CSV, or JSONL for cases and gold)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--limit", type=_positive, help="score only the first N rows")
    parser.add_argument("--sample", type=_positive, help="score a random sample of N rows")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    parser.add_argument(
        "--misses",
        type=_non_negative,
        default=DEFAULT_MISSES,
        help=f"how many worst misses to show (default {DEFAULT_MISSES})",
    )
    parser.add_argument(
        "--misses-file",
        type=Path,
        metavar="PATH",
        help="write every miss (whole text, gold, extraction) to PATH as JSON Lines",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def main(
    argv: Sequence[str] | None = None,
    extractor: Extractor = pipeline_extractor,
    prog: str = "python -m khronika.evaluate",
) -> int:
    """Run the command; 0 on success, 2 on bad input (named on stderr)."""
    args = build_parser(prog).parse_args(argv)
    progress = None if args.quiet else _print_progress
    try:
        result = SCORERS[args.dataset](
            args.file,
            extractor,
            limit=args.limit,
            sample=args.sample,
            seed=args.seed,
            progress=progress,
        )
    except (EvalInputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.misses_file is not None:
        try:
            write_misses(result, args.misses_file)
        except OSError as error:
            print(f"error: {args.misses_file}: {error.strerror or error}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(result.to_dict(max_misses=args.misses), ensure_ascii=False, indent=2))
    else:
        print(format_text(result, misses=args.misses), end="")
    return 0


def write_misses(result: EvalResult, path: Path) -> None:
    """Every miss of the run, in file order, one JSON object a line."""
    with path.open("w", encoding="utf-8") as out:
        for miss in result.misses:
            out.write(json.dumps(miss.record(), ensure_ascii=False) + "\n")


def _print_progress(done: int, total: int) -> None:
    """About every tenth of a run (at least PROGRESS_EVERY rows) on stderr; quiet if short."""
    step = max(PROGRESS_EVERY, total // 10)
    if total > PROGRESS_EVERY and (done % step == 0 or done == total):
        print(f"scored {done}/{total} rows", file=sys.stderr, flush=True)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return number


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return number
