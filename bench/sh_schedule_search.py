#!/usr/bin/python3
"""How cheap can any successive-halving schedule be on the learning-curve benchmark (../shared/bench/curves.json)?

A quick simulation of the benchmark's formula, outside the Tuner, that searches *synchronous* successive halving
with freely chosen rungs and a freely chosen fraction kept at each rung -- a superset of what ASHA and HyperBand
can express (their rungs are r * eta^k and each keeps 1/eta) -- for the cheapest schedule whose median gap to the
oracle is <= 0.005, and the smallest gap within 25 % of the epochs. The schedules are chosen on the same draws
they are scored on, so the figures flatter them. See docs/benchmarks.md ("The goal, and what was chosen").

    /usr/bin/python3 bench/sh_schedule_search.py [--seeds 60] [--rungs 3]     (numpy; ~20 s for 3 rungs, ~3 min for 4)
"""
import argparse
import itertools
import json

import numpy as np

RUNG_EPOCHS = [3, 6, 9, 12, 16, 20, 27, 40, 54]
KEEP_FRACTIONS = [0.2, 0.33, 0.5, 0.67, 0.8]
EPOCHS = 81


def curves(rng: np.random.Generator, n: int = 200) -> np.ndarray:
    """acc(t) for t = 1..81 of n random configurations, per the formula in curves.json."""
    x = rng.uniform(-4, 0, n)  # log10(lr), lr log-uniform in [1e-4, 1]
    width, reg = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    a = 0.95 - 0.06 * (x + 2.5) ** 2 - 0.15 * (width - 0.7) ** 2 - 0.10 * (reg - 0.3) ** 2
    b = a - 0.10
    c = 0.10 * 10 ** (0.35 * (x + 2.5)) * (1.5 - width)
    ph1, ph2 = 3 * x + 7 * width + 11 * reg, 5 * x - 13 * width + 17 * reg
    t = np.arange(1, EPOCHS + 1)[None, :]
    noise = 0.004 * (np.sin(1.7 * t + ph1[:, None]) + np.sin(4.3 * t + ph2[:, None]))
    return a[:, None] - b[:, None] * np.exp(-c[:, None] * t) + noise


def run(acc: np.ndarray, rungs, keep) -> tuple[int, float]:
    """Epochs spent and gap to the oracle of one synchronous successive-halving run."""
    alive, spent, previous = np.arange(acc.shape[0]), 0, 0
    for epoch, fraction in zip(rungs, keep):
        spent += len(alive) * (epoch - previous)
        previous = epoch
        alive = alive[np.argsort(-acc[alive, epoch - 1])[:max(1, round(len(alive) * fraction))]]
    spent += len(alive) * (EPOCHS - previous)
    return spent, acc[:, -1].max() - acc[alive, -1].max()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=60, help="random draws of the 200 configurations (default 60)")
    parser.add_argument("--rungs", type=int, default=3, choices=[1, 2, 3, 4], help="most rungs per schedule (default 3)")
    args = parser.parse_args()
    draws = [curves(np.random.default_rng(seed)) for seed in range(args.seeds)]
    full = EPOCHS * draws[0].shape[0]
    scored = []
    for count in range(1, args.rungs + 1):
        for rungs in itertools.combinations(RUNG_EPOCHS, count):
            for keep in itertools.product(KEEP_FRACTIONS, repeat=count):
                spent, gaps = zip(*(run(acc, rungs, keep) for acc in draws))
                scored.append((float(np.median(spent)) / full, float(np.median(gaps)), rungs, keep))
    cheapest = min((s for s in scored if s[1] <= 0.005), default=None)
    closest = min((s for s in scored if s[0] <= 0.25), key=lambda s: s[1], default=None)
    for label, found in (("cheapest_with_gap_le_0.005", cheapest), ("smallest_gap_within_25pct", closest)):
        if found is not None:
            print(json.dumps({"bench": "sh_schedule_search", "seeds": args.seeds, "max_rungs": args.rungs, "what": label,
                              "epochs_fraction": round(found[0], 4), "gap_median": round(found[1], 4),
                              "rungs": list(found[2]), "keep": list(found[3])}))


if __name__ == "__main__":
    main()
