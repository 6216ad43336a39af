using System.Collections.Concurrent;
using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.Search.Bohb;

public class BohbTunerTests
{
    private static SearchSpace Space => new() { ["x"] = Tune.Uniform(-3, 3), ["y"] = Tune.Uniform(-3, 3) };

    /// <summary>A function trainable reporting a loss per step with a checkpoint of the step, so a paused trial resumes
    /// where it stopped; the loss falls with training and is smallest near (1, −1).</summary>
    private static Func<TrialContext, Task> Trainable(ConcurrentBag<(string Trial, int From)> starts) => async trial =>
    {
        int step = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "step")))) ?? 0;
        starts.Add((trial.TrialId, step));
        double x = trial.Config.Get<double>("x"), y = trial.Config.Get<double>("y");
        while (step < 9)
        {
            step++;
            int s = step;
            await trial.ReportAsync(new Metrics { ["loss"] = (x - 1) * (x - 1) + (y + 1) * (y + 1) + 1.0 / s, ["step"] = s },
                Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "step"), s.ToString())));
        }
    };

    [Fact]
    public async Task FitAsync_BohbWithHyperBandForBohb_PausesPromotesStopsAndUsesTheModel()
    {
        using var temp = new TempDirectory();
        var starts = new ConcurrentBag<(string Trial, int From)>();
        var searcher = new BohbSearch();
        var tunerScheduler = new HyperBandForBohb { MaxT = 9, ReductionFactor = 3 };
        // MaxT 9, η 3: a band holds brackets of 9 trials from r = 1, 5 from r = 3 and 3 from r = 9 (17 trials);
        // 40 trials leave the third band's first bracket 6 short, so it halves when nothing is left to run.
        var tuner = new Tuner(Trainable(starts), Space, new TuneConfig
        {
            NumSamples = 40, Metric = "loss", Mode = Mode.Min, Seed = 7,
            SearchAlg = searcher,
            Scheduler = tunerScheduler,
            AvailableResources = new Resources { Cpu = 2 },
        }, new RunConfig { StoragePath = temp.Path, Name = "bohb", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(40, grid.Count);
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        var reached = grid.Select(r => (long)r.Metrics["training_iteration"]!).ToList();
        Assert.Contains(1L, reached); // stopped at the first milestone
        Assert.Contains(3L, reached); // promoted once, then stopped
        Assert.Contains(9L, reached); // promoted to the end
        Assert.Contains(starts, s => s.From > 0); // paused trials resumed from their checkpoints
        foreach (var result in grid)
        {
            var history = result.ReadHistory();
            Assert.Equal(history.Select(h => (long)h["step"]!), history.Select(h => (long)h["training_iteration"]!));
        }
        // Milestone losses reached the searcher per budget, and later trials came from the model.
        // Only the s = 2 brackets start at r = 1: 9 + 9 + 6 trials; r = 3 also sees the s = 1 brackets' trials.
        // Each bracket took exactly its n trials (largest first), though they were created one at a time.
        Assert.Equal("9,5,3|9,5,3|6", string.Join("|", tunerScheduler.Bands.Select(band => string.Join(",", band.Select(b => b.AllTrials.Count)))));
        Assert.Equal(24, searcher.ObservationsByBudget[1].Count);
        Assert.True(searcher.ObservationsByBudget[3].Count >= 10);
        Assert.True(searcher.ModelBasedSuggestions > 0);
    }

    [Fact]
    public async Task FitAsync_BohbWithAnotherScheduler_FailsBeforeAnyTrialRuns()
    {
        using var temp = new TempDirectory();
        int runs = 0;
        foreach (ITrialScheduler? scheduler in new ITrialScheduler?[] { new HyperBandScheduler { MaxT = 9 }, null })
        {
            var tuner = new Tuner(_ => Interlocked.Increment(ref runs), Space, new TuneConfig
            {
                NumSamples = 4, Metric = "loss", Mode = Mode.Min,
                SearchAlg = new ConcurrencyLimiter(new BohbSearch(), 2),
                Scheduler = scheduler,
            }, new RunConfig { StoragePath = temp.Path, Name = "bad", Verbose = 0 });

            var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

            Assert.Contains("BohbSearch", error.Message);
            Assert.Contains(scheduler is null ? "not set" : "HyperBandScheduler", error.Message);
            Assert.Contains("TuneConfig.Scheduler = new HyperBandForBohb", error.Message);
        }
        Assert.Equal(0, runs);
    }
}
