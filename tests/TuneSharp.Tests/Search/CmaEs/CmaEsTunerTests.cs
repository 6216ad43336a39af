using TuneSharp.Search;

namespace TuneSharp.Tests.Search.CmaEs;

public class CmaEsTunerTests
{
    [Fact]
    public async Task FitAsync_ThreeConcurrentTrials_RunsTheBudgetAndConverges()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(-5, 5), ["y"] = Tune.Uniform(-5, 5), ["width"] = Tune.QRandInt(8, 64, 8) };
        // Trials end in the order they were created, so the run is the same every time (the convergence check below
        // failed about once in 150 loaded runs when the order followed the machine's load).
        var order = new InCreationOrder();
        var tuner = new Tuner(async trial =>
        {
            double x = trial.Config.Get<double>("x"), y = trial.Config.Get<double>("y");
            // Only the last report counts: the first is deliberately misleading.
            await trial.ReportAsync(new Metrics { ["loss"] = -100.0 });
            await order.WaitForTurnAsync(trial);
            await trial.ReportAsync(new Metrics { ["loss"] = (x - 2) * (x - 2) + (y + 1) * (y + 1) + Math.Abs(trial.Config.Get<long>("width") - 40) / 8.0 });
        }, space, new TuneConfig
        {
            NumSamples = 120, Metric = "loss", Mode = Mode.Min, Seed = 11, MaxConcurrentTrials = 3,
            SearchAlg = new CmaEsSearch(),
        }, new RunConfig { StoragePath = temp.Path, Name = "cmaes", Verbose = 0, Callbacks = [order] });

        var grid = await tuner.FitAsync();

        Assert.Equal(120, grid.Count);
        Assert.Equal(0, grid.NumErrors);
        Assert.All(grid, r => Assert.Equal(0, r.Config.Get<long>("width") % 8));
        Assert.True(grid.GetBestResult().GetMetric("loss") < 0.05, $"best {grid.GetBestResult().GetMetric("loss")}");
    }

    [Fact]
    public async Task FitAsync_ChoiceInTheSpace_FailsBeforeAnyTrialRuns()
    {
        using var temp = new TempDirectory();
        int runs = 0;
        var space = new SearchSpace { ["lr"] = Tune.LogUniform(1e-4, 1), ["opt"] = Tune.Choice("adam", "sgd") };
        var tuner = new Tuner(_ => Interlocked.Increment(ref runs), space,
            new TuneConfig { NumSamples = 4, Metric = "loss", Mode = Mode.Min, SearchAlg = new CmaEsSearch() },
            new RunConfig { StoragePath = temp.Path, Name = "bad", Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("'opt'", error.Message);
        Assert.Equal(0, runs);
    }
}
