using Microsoft.Extensions.Time.Testing;
using TuneSharp.Search;
using TuneSharp.Stopping;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>Ray saves its stopper with the experiment state (TuneController.__getstate__ keeps <c>_stopper</c>;
/// <c>resume</c> sets it back), so a restored experiment's stoppers and time budget go on from where they were.</summary>
public class ResumeStopperTests
{
    // A result and a checkpoint per step, then twenty seconds of the clock; the "crash" comes while the trial waits at step 2,
    // 41 seconds in (the interruption adds one, see below).
    private static async Task Steps(TrialContext trial, FakeTimeProvider clock, SemaphoreSlim? gate, bool waitForStop)
    {
        int start = trial.GetCheckpoint()?.Read(dir => int.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")))) + 1 ?? 0;
        for (int step = start; step < 20; step++)
        {
            if (step == 2 && gate is not null)
                await gate.WaitAsync(trial.CancellationToken);
            int s = step;
            await trial.ReportAsync(new Metrics { ["step"] = s },
                Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
            // After the report: a stopper's clock starts at its first check at the latest (a result), so it counts every step.
            clock.Advance(TimeSpan.FromSeconds(20));
            if (waitForStop) // the time budget is checked on the controller's tick, not at a report (every 0.1 s; later on a
                await Task.Delay(TimeSpan.FromSeconds(30), trial.CancellationToken); // loaded machine: the wait ends at the stop)
        }
    }

    private static async Task<string> RunTwoStepsThenInterrupt(FakeTimeProvider clock, TuneConfig tuneConfig, RunConfig runConfig)
    {
        using var cancel = new CancellationTokenSource();
        var gate = new SemaphoreSlim(0);
        int seen = 0;
        var first = new Tuner(trial => Steps(trial, clock, gate, waitForStop: false), new SearchSpace(), tuneConfig,
            runConfig with
            {
                Callbacks = [new OnResult(() =>
                {
                    if (Interlocked.Increment(ref seen) != 2)
                        return;
                    cancel.Cancel();
                    clock.Advance(TimeSpan.FromSeconds(1)); // the controller notices a cancellation on its clock's tick
                })],
            });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.FitAsync(cancel.Token));
        return Path.Combine(runConfig.StoragePath, runConfig.Name!);
    }

    [Fact]
    public async Task Restore_MaximumIterationStopper_CountsTheResultsBeforeTheInterruption()
    {
        using var temp = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var tuneConfig = new TuneConfig();
        RunConfig RunConfig() => new() { StoragePath = temp.Path, Name = "maxiter", Verbose = 0, TimeProvider = clock, Stop = new MaximumIterationStopper(4) };
        string experiment = await RunTwoStepsThenInterrupt(clock, tuneConfig, RunConfig());

        var grid = await Tuner.Restore(experiment, trial => Steps(trial, clock, null, waitForStop: false), new SearchSpace(), tuneConfig, RunConfig()).FitAsync();

        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.Equal(4L, grid[0].Metrics[ResultFields.TrainingIteration]);
    }

    [Fact]
    public async Task Restore_TimeoutStopper_HasOnlyTheTimeLeft()
    {
        using var temp = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var tuneConfig = new TuneConfig();
        RunConfig RunConfig() => new()
        {
            StoragePath = temp.Path, Name = "timeout", Verbose = 0, TimeProvider = clock, Stop = new TimeoutStopper(TimeSpan.FromSeconds(60), clock),
        };
        string experiment = await RunTwoStepsThenInterrupt(clock, tuneConfig, RunConfig()); // 41 of the 60 seconds used

        var grid = await Tuner.Restore(experiment, trial => Steps(trial, clock, null, waitForStop: false), new SearchSpace(), tuneConfig, RunConfig()).FitAsync();

        // Step 2 (iteration 3) uses up the 19 seconds left: the next result, or the experiment's tick just before it, ends the trial.
        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.InRange((long)grid[0].Metrics[ResultFields.TrainingIteration]!, 3, 4);
    }

    [Fact]
    public async Task Restore_TimeBudget_HasOnlyTheTimeLeft()
    {
        using var temp = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var tuneConfig = new TuneConfig { TimeBudget = TimeSpan.FromSeconds(60) };
        RunConfig RunConfig() => new() { StoragePath = temp.Path, Name = "budget", Verbose = 0, TimeProvider = clock };
        string experiment = await RunTwoStepsThenInterrupt(clock, tuneConfig, RunConfig()); // 41 of the 60 seconds used

        var grid = await Tuner.Restore(experiment, trial => Steps(trial, clock, null, waitForStop: true), new SearchSpace(), tuneConfig, RunConfig()).FitAsync();

        // Step 2 (iteration 3) uses up the 19 seconds left; the trial is stopped while it waits after it.
        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.Equal(3L, grid[0].Metrics[ResultFields.TrainingIteration]);
    }

    private sealed class OnResult(Action action) : TuneSharp.Reporting.TuneCallback
    {
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) => action();
    }
}
