#!/usr/bin/python3
"""Optuna's bare in-memory ask/tell loop with random sampling: the baseline for TuneSharp's overhead benchmark.

Run it with Debian's python3-optuna (apt-get install -y python3-optuna) and the system interpreter:

    /usr/bin/python3 bench/optuna_baseline.py --trials 10000

It prints one JSON line, like TuneSharp.Bench does. Only the ask/tell loop is timed, not the import or
create_study, as in the one-liner the benchmark issue gives. See docs/benchmarks.md.
"""
import argparse
import json
import resource
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000, help="trials to ask and tell (default 10000)")
    args = parser.parse_args()
    if args.trials < 1:
        parser.error(f"--trials is {args.trials}; give a positive number of trials, e.g. --trials 10000")
    try:
        import optuna
    except ImportError:
        print("optuna is not importable by " + sys.executable + "; run: apt-get install -y python3-optuna, "
              "then this script with /usr/bin/python3", file=sys.stderr)
        return 1

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    start = time.perf_counter()
    for _ in range(args.trials):
        trial = study.ask()
        study.tell(trial, trial.suggest_float("x", 0, 1))
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({
        "bench": "optuna_ask_tell",
        "optuna": optuna.__version__,
        "trials": args.trials,
        "seconds": round(seconds, 3),
        "trials_per_s": round(args.trials / seconds, 1),
        "peak_working_set_mb": round(peak_mb, 1),
    }, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
