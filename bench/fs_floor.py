#!/usr/bin/python3
"""The file work of N trials in Ray Tune's layout and nothing else: per trial a folder, params.json (written to
a temporary name, then renamed), result.json and progress.csv, one line each. This is the floor under
TuneSharp's overhead benchmark on a given disk; see docs/benchmarks.md.

    /usr/bin/python3 bench/fs_floor.py --trials 10000 [--storage DIR] [--keep]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000, help="trial folders to create (default 10000)")
    parser.add_argument("--storage", default=None, help="where to create them (default: the system temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folders (their path goes to standard error)")
    args = parser.parse_args()
    if args.trials < 1:
        parser.error(f"--trials is {args.trials}; give a positive number, e.g. --trials 10000")
    if args.storage is not None and not os.path.isdir(args.storage):
        parser.error(f"--storage '{args.storage}' is not an existing directory; create it or give another, e.g. --storage /tmp")
    root = tempfile.mkdtemp(prefix="fs-floor-", dir=args.storage)
    try:
        start = time.perf_counter()
        for i in range(args.trials):
            trial = os.path.join(root, f"trial_{i:05d}")
            os.mkdir(trial)
            with open(os.path.join(trial, "params.json.tmp"), "w") as f:
                f.write('{\n  "x": 0.5\n}')
            os.rename(os.path.join(trial, "params.json.tmp"), os.path.join(trial, "params.json"))
            with open(os.path.join(trial, "result.json"), "a") as f:
                f.write('{"score": 0}\n')
            with open(os.path.join(trial, "progress.csv"), "a") as f:
                f.write("score\n0\n")
        seconds = time.perf_counter() - start
    finally:
        if args.keep:
            print(f"fs_floor: kept the folders in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root)
    print(json.dumps({"bench": "fs_floor", "trials": args.trials, "seconds": round(seconds, 3),
                      "trials_per_s": round(args.trials / seconds, 1)}, separators=(",", ":")))


if __name__ == "__main__":
    main()
