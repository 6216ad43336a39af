using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.Schedulers;

public class ResourceChangingSchedulerTests
{
    [Fact]
    public async Task FitAsync_WhenATrialFinishes_TheOtherGetsItsCpusAndContinuesFromItsCheckpoint()
    {
        using var temp = new TempDirectory();
        var gate = new TaskCompletionSource();
        var tuner = new Tuner(async trial =>
        {
            int steps = trial.Config.Get<int>("steps");
            int step = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "s")))) ?? 0;
            while (step < steps)
            {
                if (steps == 3 && step == 1)
                    await gate.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the short trial lives until the long one has started
                int s = ++step;
                if (steps > 3 && s == 2)
                    gate.TrySetResult();
                await trial.ReportAsync(new Metrics { ["cpus"] = trial.Resources.Cpu, ["step"] = s, ["score"] = s },
                    Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "s"), s.ToString())));
                await Task.Delay(20);
            }
        }, new SearchSpace { ["steps"] = Tune.GridSearch(3, 30) },
        new TuneConfig
        {
            Metric = "score", Mode = Mode.Max, AvailableResources = new Resources { Cpu = 2 },
            Scheduler = new ResourceChangingScheduler(new FifoScheduler()),
        },
        new RunConfig { StoragePath = temp.Path, Name = "rcs", Verbose = 0 });

        var grid = await tuner.FitAsync();

        var longTrial = grid.Single(r => r.Config.Get<int>("steps") == 30).ReadHistory();
        Assert.Equal(1.0, Convert.ToDouble(longTrial[0]["cpus"]));
        Assert.Equal(2.0, Convert.ToDouble(longTrial[^1]["cpus"]));   // given the finished trial's CPU
        // Restarted from its checkpoint: the step count never goes back.
        var steps = longTrial.Select(h => (long)h["step"]!).ToList();
        Assert.Equal(steps.Order(), steps);
        Assert.Equal(30L, steps[^1]);
        Assert.All(grid.Single(r => r.Config.Get<int>("steps") == 3).ReadHistory(), h => Assert.Equal(1.0, Convert.ToDouble(h["cpus"])));
    }

    [Fact]
    public void DistributeResourcesEvenly_SharesWholeCpusAmongLiveTrials()
    {
        var view = new View(running: 1, waiting: 0, new Resources { Cpu = 4 });
        var trial = new TrialInfo("a", "t_a", 0, Config.Empty, TrialStatus.Running, 1, null, "cp", "", new Resources { Cpu = 1 });
        Assert.Equal(4, ResourceChangingScheduler.DistributeResourcesEvenly(trial, view, new Resources { Cpu = 1 })!.Cpu);
        Assert.Equal(1, ResourceChangingScheduler.DistributeResourcesEvenly(trial, new View(3, 2, new Resources { Cpu = 4 }), new Resources { Cpu = 1 })!.Cpu);
    }

    private sealed class View(int running, int waiting, Resources capacity) : IExperimentView
    {
        public int WaitingCount => waiting;
        public int RunningCount => running;
        public string ExperimentPath => "";
        public Resources Capacity => capacity;
    }
}
