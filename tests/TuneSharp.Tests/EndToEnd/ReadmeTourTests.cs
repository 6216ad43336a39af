using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>The README's quick tour, as written there (only storage and console output differ), so it stays true.</summary>
public class ReadmeTourTests
{
    [Fact]
    public async Task QuickTour_Runs_BestHasLowestLastLoss()
    {
        using var temp = new TempDirectory();

        static async Task Objective(TrialContext trial)
        {
            double x = trial.Config.Get<double>("x");
            for (int step = 0; step < 20; step++)
                await trial.ReportAsync(new Metrics { ["loss"] = (x - 3) * (x - 3) + 1.0 / (step + 1) });
        }

        var tuner = new Tuner(Objective,
            paramSpace: new SearchSpace
            {
                ["x"] = Tune.Uniform(-10, 10),
                ["batch"] = Tune.GridSearch(32, 64),
            },
            tuneConfig: new TuneConfig
            {
                NumSamples = 8, Metric = "loss", Mode = Mode.Min, Seed = 11,
                Scheduler = new AshaScheduler { MaxT = 20, GracePeriod = 2 },
            },
            runConfig: new RunConfig { Name = "quadratic", Stop = new() { ["training_iteration"] = 15 }, StoragePath = temp.Path, Verbose = 0 });

        var results = await tuner.FitAsync();
        var best = results.GetBestResult();
        var table = results.GetDataFrame();

        Assert.Equal(16, results.Count);
        Assert.All(results, r => Assert.True((long)r.Metrics["training_iteration"]! <= 15));
        Assert.Equal(results.Min(r => r.GetMetric("loss")), best.GetMetric("loss"));
        Assert.Contains("config/batch", table.Columns.Select(c => c.Name));
    }
}
