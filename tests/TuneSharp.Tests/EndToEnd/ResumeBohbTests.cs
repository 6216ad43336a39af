using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>An interrupted BOHB experiment (paused trials, per-budget observations) resumes and finishes.</summary>
public class ResumeBohbTests
{
    private static async Task Climb(TrialContext trial)
    {
        int step = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "step")))) ?? 0;
        double quality = trial.Config.Get<double>("q");
        while (step < 9)
        {
            step++;
            int s = step;
            await trial.ReportAsync(new Metrics { ["acc"] = quality * s, ["step"] = s },
                Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "step"), s.ToString())));
        }
    }

    private static TuneConfig Config() => new()
    {
        NumSamples = 17, Seed = 8, Metric = "acc", Mode = Mode.Max, MaxConcurrentTrials = 2,
        SearchAlg = new BohbSearch(),
        Scheduler = new HyperBandForBohb { MaxT = 9, ReductionFactor = 3 },
    };

    [Fact]
    public async Task Restore_InterruptedBohbExperiment_FinishesEveryTrialWithoutRetraining()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["q"] = Tune.Uniform(0, 1) };
        using var cancel = new CancellationTokenSource();
        int reports = 0;
        var first = new Tuner(Climb, space, Config(), new RunConfig
        {
            StoragePath = temp.Path, Name = "bohb", Verbose = 0,
            Callbacks = [new OnResult(() => { if (Interlocked.Increment(ref reports) == 14) cancel.Cancel(); })],
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.FitAsync(cancel.Token));

        string experiment = Path.Combine(temp.Path, "bohb");
        Assert.True(Tuner.CanRestore(experiment));
        var grid = await Tuner.Restore(experiment, Climb, space, Config(), new RunConfig { StoragePath = temp.Path, Name = "bohb", Verbose = 0 }).FitAsync();

        Assert.Equal(17, grid.Count);
        Assert.Equal(0, grid.NumErrors);
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        foreach (var result in grid)
        {
            // Paused or interrupted, every trial continued from its checkpoint: steps 1, 2, … with no repeats.
            var history = result.ReadHistory();
            Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(h => (long)h["step"]!));
        }
        // HyperBand still stopped trials early after the restore (MaxT 9, η 3: 17 trials cannot all reach 9).
        Assert.Contains(grid, r => (long)r.Metrics["training_iteration"]! < 9);
    }

    private sealed class OnResult(Action action) : TuneSharp.Reporting.TuneCallback
    {
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) => action();
    }
}
