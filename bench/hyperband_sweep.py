#!/usr/bin/python3
"""Every HyperBand setting against the learning-curve benchmark's goal (../shared/bench/curves.json).

A quick simulation of the benchmark's formula, outside the Tuner, of HyperBand as Ray (and TuneSharp) define it:
each band fills brackets s = 0, 1, ..., s_max in that order (the bracket that runs its trials to the end first),
bracket s takes n0 = ceil(s_max_1 / (s + 1) * eta^s) trials at r0 = int(MaxT * eta^-s) epochs, and each halving
keeps ceil(n / eta) of them (n counted from n0, as Ray does for a bracket left part-filled). It sweeps MaxT and
eta; with MaxT below 81, StopLastTrials = false lets the last rung's survivors train to epoch 81 (otherwise no trial
would reach the end). The goal is a median gap to the oracle <= 0.005 within 25 % of the epochs; the sweep prints
the best setting on each side of it. At MaxT 81, eta 3 it gives the Tuner's figure (19.9 % of the epochs).
See docs/benchmarks.md ("The goal, and what was chosen").

    /usr/bin/python3 bench/hyperband_sweep.py [--seeds 200]      (numpy; about a minute)
"""
import argparse
import math

import numpy as np

from sh_schedule_search import EPOCHS, curves


def bracket(acc, ids, n0, r0, s, eta, max_t, stop_last):
    """Epochs spent by one bracket and the trials that reach epoch 81."""
    alive, spent, previous, n, r = np.array(ids), 0, 0, n0, r0
    for halves_left in range(s, -1, -1):
        r = min(r, EPOCHS)
        spent += len(alive) * (r - previous)
        previous = r
        if halves_left == 0:
            break
        n = int(math.ceil(n / eta))
        alive = alive[np.argsort(-acc[alive, r - 1], kind="stable")[:n]]
        r = int(min(r * eta, max_t))
    if not stop_last:
        return spent + len(alive) * (EPOCHS - previous), alive
    return spent, alive if previous >= EPOCHS else alive[:0]


def hyperband(acc, max_t, eta, stop_last):
    s_max_1 = int(np.round(np.log(max_t) / np.log(eta))) + 1
    spent, finished, start = 0, [], 0
    while start < acc.shape[0]:
        for s in range(s_max_1):
            n0, r0 = int(math.ceil(s_max_1 / (s + 1) * eta ** s)), int(max_t * eta ** -s)
            if start >= acc.shape[0] or r0 < 1:
                continue
            ids = list(range(start, min(acc.shape[0], start + n0)))
            start += len(ids)
            cost, alive = bracket(acc, ids, n0, r0, s, eta, max_t, stop_last)
            spent += cost
            finished += list(alive)
    gap = acc[:, -1].max() - acc[finished, -1].max() if finished else 1.0
    return spent, gap


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=200)
    seeds = parser.parse_args().seeds
    rows = []
    for max_t in [9, 12, 16, 20, 27, 36, 40, 54, 64, 81]:
        for eta in [1.5, 2, 2.5, 3, 4, 5]:
            draws = [hyperband(curves(np.random.default_rng(seed)), max_t, eta, max_t == 81) for seed in range(seeds)]
            spent, gap = zip(*draws)
            rows.append((max_t, eta, float(np.median(spent)) / (200 * EPOCHS) * 100, float(np.median(gap))))
            print(f"MaxT {max_t:2d}  eta {eta:3}  StopLastTrials {str(max_t == 81):5s}  "
                  f"{rows[-1][2]:5.1f} % of the epochs  median gap {rows[-1][3]:.4f}", flush=True)
    within = min((r for r in rows if r[2] <= 25), key=lambda r: r[3])
    close = min((r for r in rows if r[3] <= 0.005), key=lambda r: r[2])
    print(f"smallest gap within 25 %: MaxT {within[0]}, eta {within[1]}: {within[2]:.1f} %, gap {within[3]:.4f}")
    print(f"cheapest with gap <= 0.005: MaxT {close[0]}, eta {close[1]}: {close[2]:.1f} %, gap {close[3]:.4f}")


if __name__ == "__main__":
    main()
