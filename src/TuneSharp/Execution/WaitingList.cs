using System.Collections;

namespace TuneSharp.Execution;

/// <summary>
/// The trials waiting to run, in the order the scheduler sees them, with a running count of those that never ran
/// (pending at iteration 0): the controller checks that count before every start to keep its queue of new trials
/// topped up, and counting 200 entries each time was a tenth of its time for short trials. A trial does not change
/// while it waits (the controller takes it out first, and puts it back after), so the count stays true, and so does
/// the snapshot the scheduler was shown: each is made once per stay in the list, not once per choice (PBT and
/// HyperBand read every waiting trial at every choice, which with thousands of trials made choosing quadratic).
/// </summary>
internal sealed class WaitingList : IReadOnlyList<Trial>
{
    private readonly List<Trial> _trials = new();
    private readonly List<TrialInfo?> _snapshots = new();

    /// <summary>Waiting trials that never ran.</summary>
    public int NewCount { get; private set; }

    public int Count => _trials.Count;

    public Trial this[int index] => _trials[index];

    /// <summary>The scheduler's view of the trial at <paramref name="index"/>, made on first use.</summary>
    public TrialInfo SnapshotAt(int index) => _snapshots[index] ??= _trials[index].Snapshot();

    public void Add(Trial trial)
    {
        _trials.Add(trial);
        _snapshots.Add(null);
        NewCount += IsNew(trial);
    }

    /// <summary>Puts <paramref name="trial"/> first, to run before the others (a restart or a retry).</summary>
    public void AddFirst(Trial trial)
    {
        _trials.Insert(0, trial);
        _snapshots.Insert(0, null);
        NewCount += IsNew(trial);
    }

    public void Remove(Trial trial)
    {
        int index = _trials.IndexOf(trial);
        if (index < 0)
            return;
        _trials.RemoveAt(index);
        _snapshots.RemoveAt(index);
        NewCount -= IsNew(trial);
    }

    private static int IsNew(Trial trial) => trial.Status == TrialStatus.Pending && trial.Iteration == 0 ? 1 : 0;

    public IEnumerator<Trial> GetEnumerator() => _trials.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
