using TuneSharp.Schedulers;
using TuneSharp.Search;
namespace TuneSharp.Tests.Schedulers;

/// <summary>HyperBand with a searcher that creates trials one at a time, as TPE and GP-BO do through the Tuner.</summary>
public class HyperBandWithSearcherTests
{
    [Fact]
    public async Task FitAsync_HyperBandWithTpe_FillsEachBracketBeforeHalvingIt()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(async trial =>
        {
            int step = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "step")))) ?? 0;
            double quality = trial.Config.Get<double>("q");
            while (step < 9)
            {
                step++;
                int s = step;
                await trial.ReportAsync(new Metrics { ["acc"] = quality * s },
                    Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "step"), s.ToString())));
            }
        }, new SearchSpace { ["q"] = Tune.Uniform(0, 1) },
        new TuneConfig
        {
            NumSamples = 16, Seed = 4, Metric = "acc", Mode = Mode.Max, MaxConcurrentTrials = 2,
            SearchAlg = new TpeSearch { NStartupTrials = 3 },
            Scheduler = new HyperBandScheduler { MaxT = 9, ReductionFactor = 3 },
        },
        new RunConfig { StoragePath = temp.Path, Name = "hbtpe", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(16, grid.Count);
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        // MaxT 9, η 3: brackets of 3 trials from 9, 5 from 3 and 9 from 1 (16 samples leave the last one 8). TPE
        // creates one trial whenever a slot frees, so a bracket that halved before it was full would leave every
        // trial alone in its round, winning each halving: all 16 would run to 9 (what Ray's live-trial count gives).
        var iterations = grid.OrderBy(r => r.TrialId, StringComparer.Ordinal).Select(r => (long)r.Metrics["training_iteration"]!).ToList();
        Assert.Equal([9L, 9, 9], iterations.Take(3));
        Assert.Equal([3L, 3, 3, 9, 9], iterations.Skip(3).Take(5).Order());
        // The last bracket holds 8 of its 9 trials: it halves once nothing else can run (8 → 3 at 1 → 1 at 3 → 9).
        Assert.Equal([1L, 1, 1, 1, 1, 3, 3, 9], iterations.Skip(8).Order());
    }

    [Fact]
    public async Task FitAsync_LastBracketPartlyFilled_HalvesOnceTheSearchHasEndedWithoutWaitingForTheOthers()
    {
        using var temp = new TempDirectory();
        // MaxT 9, η 3: brackets of 3 (from 9), 5 (from 3) and 9 (from 1); 11 samples leave the last one 3 trials.
        // The first bracket's trials hold at step 5 until a last-bracket trial has been promoted past its first
        // milestone: were the last bracket to wait for every other trial to end before halving, this would deadlock.
        var promoted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tuner = new Tuner(async trial =>
        {
            int step = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "step")))) ?? 0;
            int index = trial.Config.Get<int>("i");
            while (step < 9)
            {
                step++;
                if (index < 3 && step == 5)
                    await promoted.Task.WaitAsync(TimeSpan.FromSeconds(30));
                if (index >= 8 && step == 2)
                    promoted.TrySetResult();
                int s = step;
                await trial.ReportAsync(new Metrics { ["acc"] = index + s * 0.01 },
                    Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "step"), s.ToString())));
            }
        }, new SearchSpace { ["i"] = Tune.GridSearch(Enumerable.Range(0, 11).Cast<object?>().ToArray()) },
        new TuneConfig
        {
            Metric = "acc", Mode = Mode.Max, AvailableResources = new Resources { Cpu = 8 },
            Scheduler = new HyperBandScheduler { MaxT = 9, ReductionFactor = 3 },
        },
        new RunConfig { StoragePath = temp.Path, Name = "hbpartial", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        Assert.All(grid.Where(r => r.Config.Get<int>("i") < 3), r => Assert.Equal(9L, r.Metrics["training_iteration"]));
        // The last bracket kept ⌈9/3⌉ = 3 of its 3 at milestone 1, then ⌈3/3⌉ = 1 at milestone 3, the best (i = 10).
        var last = grid.Where(r => r.Config.Get<int>("i") >= 8).OrderBy(r => r.Config.Get<int>("i")).Select(r => (long)r.Metrics["training_iteration"]!);
        Assert.Equal([3L, 3, 9], last);
    }
}
