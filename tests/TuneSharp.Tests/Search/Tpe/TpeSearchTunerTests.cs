using TuneSharp.Search;

namespace TuneSharp.Tests.Search.Tpe;

public class TpeSearchTunerTests
{
    [Fact]
    public async Task FitAsync_FourConcurrentTrials_RunsTheBudgetAndUsesLastResults()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(-5, 5), ["width"] = Tune.QRandInt(8, 64, 8) };
        var order = new InCreationOrder(); // the same run every time, whatever the machine's load
        var tuner = new Tuner(async trial =>
        {
            double x = trial.Config.Get<double>("x");
            // Only the last report counts: earlier ones are deliberately misleading.
            await trial.ReportAsync(new Metrics { ["loss"] = -100.0 });
            await order.WaitForTurnAsync(trial);
            await trial.ReportAsync(new Metrics { ["loss"] = (x - 2) * (x - 2) });
        }, space, new TuneConfig
        {
            NumSamples = 40, Metric = "loss", Mode = Mode.Min, Seed = 11, MaxConcurrentTrials = 4,
            SearchAlg = new TpeSearch { NStartupTrials = 8 },
        }, new RunConfig { StoragePath = temp.Path, Name = "tpe", Verbose = 0, Callbacks = [order] });

        var grid = await tuner.FitAsync();

        Assert.Equal(40, grid.Count);
        Assert.Equal(0, grid.NumErrors);
        Assert.Equal(40, grid.Select(r => r.Config.ToString()).Distinct().Count());
        Assert.All(grid, r => Assert.Equal(0, r.Config.Get<long>("width") % 8));
        Assert.True(grid.GetBestResult().GetMetric("loss") < 0.05);
    }

    [Fact]
    public async Task FitAsync_SpaceTpeCannotModel_FailsBeforeAnyTrialRuns()
    {
        using var temp = new TempDirectory();
        int runs = 0;
        var space = new SearchSpace { ["opt"] = Tune.Choice("adam", new SearchSpace { ["lr"] = Tune.GridSearch(0.1, 0.01) }) };
        var tuner = new Tuner(_ => Interlocked.Increment(ref runs), space,
            new TuneConfig { NumSamples = 4, Metric = "loss", Mode = Mode.Min, SearchAlg = new TpeSearch() },
            new RunConfig { StoragePath = temp.Path, Name = "bad", Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("Tune.GridSearch inside a Tune.Choice category is not expanded", error.Message); // refused for every searcher
        Assert.Equal(0, runs);
    }
}
