namespace TuneSharp.Schedulers;

/// <summary>Runs trials in the order they were created and never stops one early (Ray's <c>FIFOScheduler</c>).</summary>
public sealed class FifoScheduler : ITrialScheduler
{
    /// <inheritdoc />
    public void Setup(string? metric, Mode? mode, int? seed) { }

    /// <inheritdoc />
    public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) => TrialDecision.Continue;

    /// <inheritdoc />
    public IReadOnlyList<string> StatusLines() => ["Using FIFO scheduling algorithm."];
}
