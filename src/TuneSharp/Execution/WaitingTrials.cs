using System.Collections;

namespace TuneSharp.Execution;

/// <summary>The waiting trials as the scheduler sees them: snapshots made only for the entries it reads
/// (FIFO reads one), so choosing among many queued trials stays cheap. The cache of snapshots is made on the first
/// read past the first entry: the controller asks for a trial at least once per trial started.</summary>
internal sealed class WaitingTrials(IReadOnlyList<Trial> trials) : IReadOnlyList<TrialInfo>
{
    private TrialInfo? _first;
    private TrialInfo?[]? _snapshots;

    public TrialInfo this[int index] => index == 0
        ? _first ??= trials[0].Snapshot()
        : (_snapshots ??= new TrialInfo?[trials.Count])[index] ??= trials[index].Snapshot();

    public int Count => trials.Count;

    public IEnumerator<TrialInfo> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
