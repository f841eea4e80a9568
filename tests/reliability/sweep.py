"""Run every bad-input and fault case of the reliability suite against the real command and count the
outcomes: clean one-line errors, tracebacks, silent acceptances, partial outputs, deleted user files.

    PYTHONPATH=python python tests/reliability/sweep.py [--only NAME ...] [--verbose]

Exit status 1 when any case misbehaves.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_cases import CASES, Inputs  # noqa: E402
from reliability_harness import CLEAN, OK, chattr_works  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these cases")
    parser.add_argument("--verbose", action="store_true", help="print the stderr of misbehaving cases")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.only or c.name in args.only]
    counts: Counter[str] = Counter()
    bad: list[str] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="higgshunt-sweep-") as folder:
        root = Path(folder)
        inputs = Inputs(root / "inputs").make()
        no_chattr = chattr_works(root)
        for number, case in enumerate(cases):
            if case.frozen is not None and no_chattr is not None:
                counts["skipped"] += 1
                print(f"{case.name:36s} skipped: {no_chattr}")
                continue
            scratch = root / f"case{number}"
            scratch.mkdir()
            judgement = case.run(inputs, scratch)
            counts[judgement.outcome] += 1
            counts["partial outputs"] += bool(judgement.partial)
            counts["deleted user files"] += bool(judgement.deleted)
            good = judgement.outcome == (CLEAN if case.expect_error else OK) and not judgement.problems
            line = judgement.result.stderr.strip().splitlines()[-1:] or [""]
            print(f"{case.name:36s} {judgement.outcome:9s} {'; '.join(judgement.problems) or line[0][:110]}")
            if not good:
                bad.append(case.name)
                if args.verbose:
                    print(judgement.result.stderr[-3000:])
    print(f"\n{len(cases)} cases in {time.perf_counter() - start:.0f} s")
    print(f"clean one-line errors: {counts[CLEAN]}")
    print(f"successful runs with valid outputs: {counts[OK]}")
    print(f"tracebacks: {counts['traceback']}")
    print(f"internal errors (one line, but unnamed): {counts['internal']}")
    print(f"crashes or several error lines: {counts['crash']}")
    print(f"silent acceptances: {counts['silent']}")
    print(f"failures of runs that must succeed: {counts['failed']}")
    print(f"partial outputs or temporaries: {counts['partial outputs']}")
    print(f"deleted user files: {counts['deleted user files']}")
    if counts["skipped"]:
        print(f"skipped: {counts['skipped']}")
    for name in bad:
        print(f"misbehaved: {name}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
