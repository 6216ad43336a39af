using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

public class ResumeTests
{
    private const int Steps = 6;

    // Checkpoints every step: the step it reached, so a resumed run continues rather than retrains.
    private static async Task Counter(TrialContext trial, SemaphoreSlim? gate)
    {
        int start = trial.GetCheckpoint()?.Read(dir => int.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")))) + 1 ?? 0;
        for (int step = start; step < Steps; step++)
        {
            if (step == 3 && gate is not null)
                await gate.WaitAsync(trial.CancellationToken); // the "crash" happens while trials wait here
            int s = step;
            await trial.ReportAsync(new Metrics { ["step"] = s, ["score"] = trial.Config.Get<double>("x") },
                Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
        }
    }

    [Fact]
    public async Task Restore_AfterInterruption_ContinuesUnfinishedTrialsFromTheirCheckpoints()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var tuneConfig = new TuneConfig { NumSamples = 3, Metric = "score", Mode = Mode.Max, Seed = 5, AvailableResources = new Resources { Cpu = 3 } };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "resume", Verbose = 0 };
        using var cancel = new CancellationTokenSource();
        var gate = new SemaphoreSlim(0);
        int reports = 0;
        var first = new Tuner(async trial => await Counter(trial, gate), space, tuneConfig,
            new RunConfig
            {
                StoragePath = temp.Path, Name = "resume", Verbose = 0,
                Callbacks = [new OnResult(() => { if (Interlocked.Increment(ref reports) == 9) cancel.Cancel(); })],
            });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.FitAsync(cancel.Token));

        string experiment = Path.Combine(temp.Path, "resume");
        Assert.True(Tuner.CanRestore(experiment));
        var interrupted = TuneSharp.Results.ResultGrid.FromDirectory(experiment);
        Assert.All(interrupted, r => Assert.Equal(TrialStatus.Pending, r.Status));
        Assert.All(interrupted, r => Assert.Equal(3L, r.Metrics["training_iteration"]));
        // A crash can leave half a line behind; resuming must not be confused by it.
        File.AppendAllText(Path.Combine(interrupted[0].Path, "result.json"), "{\"step\": 3, \"sco");

        var resumed = Tuner.Restore(experiment, async trial => await Counter(trial, null), space, tuneConfig, runConfig);
        var grid = await resumed.FitAsync();

        Assert.Equal(3, grid.Count);
        foreach (var result in grid)
        {
            Assert.Equal(TrialStatus.Terminated, result.Status);
            var history = result.ReadHistory();
            // Steps 0-2 before the interruption, 3-5 after: nothing was retrained.
            Assert.Equal(Enumerable.Range(0, Steps).Select(i => (long)i), history.Select(r => (long)r["step"]!));
            Assert.Equal(Enumerable.Range(1, Steps).Select(i => (long)i), history.Select(r => (long)r["training_iteration"]!));
        }
        Assert.Equal(interrupted.Select(r => r.Config.Get<double>("x")), grid.Select(r => r.Config.Get<double>("x")));
    }

    private sealed class OnResult(Action action) : TuneSharp.Reporting.TuneCallback
    {
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) => action();
    }
}
