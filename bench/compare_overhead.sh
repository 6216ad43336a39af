#!/usr/bin/env bash
# Runs TuneSharp's overhead benchmark and Optuna's ask/tell baseline in one session, interleaved so that both
# see the same machine load, and prints every JSON line plus a summary (best of the rounds, and the ratio).
# Not part of CI: timings depend on the machine. docs/benchmarks.md records a run and how to read it.
#
#   bench/compare_overhead.sh [rounds]        (default 3 rounds)
#
# Needs the .NET SDK and Debian's python3-optuna (apt-get install -y python3-optuna), run by /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
    echo "rounds is '$rounds'; give a positive number of rounds, e.g. bench/compare_overhead.sh 3" >&2
    exit 2
fi
python=/usr/bin/python3
if ! $python -c "import optuna" 2>/dev/null; then
    echo "Optuna is missing for $python: run apt-get install -y python3-optuna" >&2
    exit 1
fi

dotnet build -c Release bench/TuneSharp.Bench -v quiet -nologo >&2
bench=bench/TuneSharp.Bench/bin/Release/net10.0/TuneSharp.Bench
out=$(mktemp)
# Disk runs keep their folders here until the end. Deleting 40,000 files slows the next file creations on this
# machine's ext4 (it has no journal, so for a minute or more after a deletion ext4 skips the freed inodes, looking
# at each one, when it allocates a new inode: fs/ext4/ialloc.c, recently_deleted), which would make every disk run
# pay for the one before it. Users do not delete a finished experiment in the minute before starting the next.
scratch=$(mktemp -d -p "${TMPDIR:-/tmp}" tunesharp-overhead-XXXXXX)
trap 'rm -f "$out"; rm -rf "$scratch"' EXIT

settle() { sync; sleep 2; }
# run LABEL COMMAND...: prints the command's JSON line and keeps it, labelled, for the summary
run() {
    local label=$1; shift
    settle
    echo "# $label, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    local line
    line=$("$@")
    echo "$line"
    printf '%s\t%s\n' "$label" "$line" >> "$out"
}

for ((r = 1; r <= rounds; r++)); do
    echo "# round $r of $rounds" >&2
    run optuna $python bench/optuna_baseline.py --trials 10000
    run disk $bench overhead --trials 10000 --reports 1 --storage "$scratch" --keep
    run floor $python bench/fs_floor.py --trials 10000 --storage "$scratch" --keep
    run tmpfs $bench overhead --trials 10000 --reports 1 --storage /dev/shm
    run results $bench overhead --trials 2 --reports 50000
    run results $bench overhead --trials 20 --reports 5000
    # The same after an untimed run of the same size: the hot paths are then tier-1 JIT code, as in any experiment
    # that has been running for a second or two (the cold runs above spend much of their time in tier-0 code).
    run results-warm $bench overhead --trials 2 --reports 50000 --warmup 2
    run results-warm $bench overhead --trials 20 --reports 5000 --warmup 20
done
for trials in 2000 10000 20000; do
    run memory $bench overhead --trials $trials --reports 1
done

$python - "$out" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    label, _, text = line.partition("\t")
    rows.append(dict(json.loads(text), label=label))
def best(label, **match):
    hits = [r for r in rows if r["label"] == label and all(r[k] == v for k, v in match.items())]
    return min(hits, key=lambda r: r["seconds"])
optuna, disk, tmpfs, floor = best("optuna"), best("disk"), best("tmpfs"), best("floor")
print("\nsummary (best of the rounds):")
print(f"  Optuna ask/tell, 10000 trials:           {optuna['seconds']:8.3f} s  {optuna['trials_per_s']:9.1f} trials/s")
for name, r in [("TuneSharp, 10000 trials, temp folder:", disk), ("TuneSharp, 10000 trials, /dev/shm:   ", tmpfs)]:
    print(f"  {name}   {r['seconds']:8.3f} s  {r['trials_per_s']:9.1f} trials/s  "
          f"{r['seconds'] / optuna['seconds']:.2f}x Optuna's time")
print(f"  file work alone (fs_floor.py), temp folder: {floor['seconds']:8.3f} s  "
      f"{floor['seconds'] / optuna['seconds']:.2f}x Optuna's time")
for trials, reports in [(2, 50000), (20, 5000)]:
    for label in ("results", "results-warm"):
        r = best(label, trials=trials, reports=reports)
        print(f"  TuneSharp, {trials} trials x {reports} reports ({label}): {r['results_per_s']:9.1f} results/s")
for trials in (2000, 10000, 20000):
    r = best("memory", trials=trials)
    print(f"  TuneSharp, {trials:5} trials: peak working set {r['peak_working_set_mb']} MiB")
PY
