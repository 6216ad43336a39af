using System.Collections;

namespace TuneSharp.Execution;

/// <summary>
/// The trials waiting to run, in the order the scheduler sees them, with a running count of those that never ran
/// (pending at iteration 0): the controller checks that count before every start to keep its queue of new trials
/// topped up, and counting 200 entries each time was a tenth of its time for short trials. A trial's status and
/// iteration do not change while it waits (the controller takes it out first), so the count stays true.
/// </summary>
internal sealed class WaitingList : IReadOnlyList<Trial>
{
    private readonly List<Trial> _trials = new();

    /// <summary>Waiting trials that never ran.</summary>
    public int NewCount { get; private set; }

    public int Count => _trials.Count;

    public Trial this[int index] => _trials[index];

    public void Add(Trial trial)
    {
        _trials.Add(trial);
        NewCount += IsNew(trial);
    }

    /// <summary>Puts <paramref name="trial"/> first, to run before the others (a restart or a retry).</summary>
    public void AddFirst(Trial trial)
    {
        _trials.Insert(0, trial);
        NewCount += IsNew(trial);
    }

    public void Remove(Trial trial)
    {
        if (_trials.Remove(trial))
            NewCount -= IsNew(trial);
    }

    private static int IsNew(Trial trial) => trial.Status == TrialStatus.Pending && trial.Iteration == 0 ? 1 : 0;

    public IEnumerator<Trial> GetEnumerator() => _trials.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
