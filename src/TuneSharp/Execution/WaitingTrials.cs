using System.Collections;

namespace TuneSharp.Execution;

/// <summary>The waiting trials as the scheduler sees them: snapshots made only for the entries it reads (FIFO reads
/// one) and kept by the <see cref="WaitingList"/> while the trial waits.</summary>
internal sealed class WaitingTrials(WaitingList trials) : IReadOnlyList<TrialInfo>
{
    public TrialInfo this[int index] => trials.SnapshotAt(index);

    public int Count => trials.Count;

    public IEnumerator<TrialInfo> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
            yield return trials.SnapshotAt(i);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
