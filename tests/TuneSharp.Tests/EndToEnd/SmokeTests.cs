using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

public class SmokeTests
{
    [Fact]
    public async Task FitAsync_QuadraticObjective_RunsEveryTrialAndFindsBest()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(-5, 5), ["k"] = Tune.GridSearch(1, 2) };
        var tuner = new Tuner(async trial =>
        {
            double x = trial.Config.Get<double>("x");
            for (int i = 0; i < 5; i++)
                await trial.ReportAsync(new Metrics { ["loss"] = x * x + 1.0 / (i + 1) });
        }, space, new TuneConfig { NumSamples = 4, Metric = "loss", Mode = Mode.Min, Seed = 1 },
        new RunConfig { StoragePath = temp.Path, Name = "smoke", Verbose = 0 });
        var grid = await tuner.FitAsync();
        Assert.Equal(8, grid.Count);
        Assert.All(grid, r => Assert.Equal(5L, r.Metrics["training_iteration"]));
        var best = grid.GetBestResult();
        Assert.Equal(grid.Min(r => r.GetMetric("loss")), best.GetMetric("loss"));
        Assert.Equal(8, grid.GetDataFrame().Rows.Count);
    }

    [Fact]
    public async Task FitAsync_Asha_StopsSomeTrialsEarly()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var tuner = new Tuner(async trial =>
        {
            double x = trial.Config.Get<double>("x");
            for (int i = 0; i < 20; i++)
                await trial.ReportAsync(new Metrics { ["acc"] = x });
        }, space, new TuneConfig
        {
            NumSamples = 12, Seed = 3,
            Scheduler = new AshaScheduler { Metric = "acc", Mode = Mode.Max, MaxT = 20, GracePeriod = 1, ReductionFactor = 2 },
        }, new RunConfig { StoragePath = temp.Path, Name = "asha", Verbose = 0 });
        var grid = await tuner.FitAsync();
        Assert.Equal(12, grid.Count);
        Assert.Contains(grid, r => (long)r.Metrics["training_iteration"]! < 20);
    }
}
