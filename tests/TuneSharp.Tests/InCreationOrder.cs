using System.Collections.Concurrent;
using TuneSharp.Reporting;

namespace TuneSharp.Tests;

/// <summary>
/// Lets a trial finish only after every trial created before it has completed, as the controller sees it: several
/// trials still run at once (a searcher still suggests while results are outstanding), but which one ends first no
/// longer depends on the machine's load, so a test of a model-based searcher through the Tuner runs the same way
/// every time. Pass it in <see cref="RunConfig.Callbacks"/> and call a wait before the trial's last report.
/// </summary>
internal sealed class InCreationOrder : TuneCallback
{
    private readonly ConcurrentDictionary<string, int> _index = new();
    private int _completed;

    public override void OnTrialStart(TrialInfo trial) => _index[trial.TrialId] = trial.Index;

    public override void OnTrialComplete(TrialInfo trial) => Interlocked.Increment(ref _completed);

    public async Task WaitForTurnAsync(TrialContext trial)
    {
        while (!IsTurnOf(trial))
            await Task.Delay(1, trial.CancellationToken);
    }

    /// <summary>The blocking form, for synchronous trainables.</summary>
    public void WaitForTurn(TrialContext trial)
    {
        while (!IsTurnOf(trial))
            Thread.Sleep(1);
    }

    private bool IsTurnOf(TrialContext trial) => Volatile.Read(ref _completed) >= _index[trial.TrialId];
}
