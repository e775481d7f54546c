"""A longer fuzz campaign over every reader and command-line entry point (issue 17, item 2).

Mutates the repository's fixture timelines, the shared corpus and files the product makes itself
(a cut, a tracks file, a generate folder, a recovery file; see tests/fuzz/), runs each case in
a fresh temporary folder and a forked process (a crash of native code counts as a traceback), and prints cases per outcome (ok / refused / traceback) per reader.
The target is zero tracebacks; the first few of each reader are printed in full.

    .venv/bin/python benchmarks/fuzz.py --cases 200 --seed 1 [--target otio --target tracks]
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

from fuzzing import OUTCOMES, TARGETS, TRACEBACK, Outcome, RandomChooser, Seeds, build_seeds, describe_failure, run_case  # noqa: E402

from foley_assistant.io.temp_folders import sweep_stale  # noqa: E402


def run_isolated(target: str, seeds: Seeds, seed: str) -> tuple[Outcome, str]:
    """One case in a forked child, so that a crash of native code (a signal) is counted as a
    traceback of that case instead of ending the campaign."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        result = run_case(target, seeds, RandomChooser(random.Random(seed)))
        with os.fdopen(write, "wb") as pipe:
            pickle.dump(result, pipe)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(child, 0)
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return Outcome(TRACEBACK, f"the process was killed by {name}"), f"case seed {seed!r} (rerun it with --only {seed!r})"
    return pickle.loads(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200, help="cases per reader (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutations (default 0)")
    parser.add_argument("--target", action="append", choices=TARGETS, help="only this reader (repeatable; default all)")
    parser.add_argument("--show", type=int, default=3, help="tracebacks printed in full per reader (default 3)")
    parser.add_argument("--only", metavar="CASE", help="run the one case of this seed (as printed for a crash), in-process")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    targets = args.target or list(TARGETS)
    totals: dict[str, Counter[str]] = {}
    with tempfile.TemporaryDirectory(prefix="foley-fuzz-") as scratch:
        seeds = build_seeds(Path(scratch))
        if args.only:
            outcome, case = run_case(args.only.split(":")[1], seeds, RandomChooser(random.Random(args.only)))
            print(f"{outcome.kind}\n{case}\n{outcome.detail}")
            return 0
        for target in targets:
            counts: Counter[str] = Counter()
            shown = 0
            start = time.perf_counter()
            for number in range(args.cases):
                outcome, case = run_isolated(target, seeds, f"{args.seed}:{target}:{number}")
                counts[outcome.kind] += 1
                if outcome.kind == TRACEBACK and shown < args.show:
                    shown += 1
                    print(f"--- traceback {shown} ---\n{describe_failure(target, outcome, case)}\n", file=sys.stderr)
            totals[target] = counts
            print(f"{target:<9} " + "  ".join(f"{kind} {counts[kind]:>5}" for kind in OUTCOMES) + f"   ({time.perf_counter() - start:.1f} s)", flush=True)
    sweep_stale("otioz")  # the bundles the forked cases unpacked (a child skips the exit handlers)
    overall = sum(totals.values(), Counter())
    print(f"{'all':<9} " + "  ".join(f"{kind} {overall[kind]:>5}" for kind in OUTCOMES) + f"   seed {args.seed}, {args.cases} cases per reader")
    return 0


if __name__ == "__main__":
    sys.exit(main())
