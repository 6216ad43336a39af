using System.Collections;

namespace TuneSharp.Execution;

/// <summary>The waiting trials as the scheduler sees them: snapshots made only for the entries it reads
/// (FIFO reads one), so choosing among many queued trials stays cheap.</summary>
internal sealed class WaitingTrials(IReadOnlyList<Trial> trials) : IReadOnlyList<TrialInfo>
{
    private readonly TrialInfo?[] _snapshots = new TrialInfo?[trials.Count];

    public TrialInfo this[int index] => _snapshots[index] ??= trials[index].Snapshot();

    public int Count => trials.Count;

    public IEnumerator<TrialInfo> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
