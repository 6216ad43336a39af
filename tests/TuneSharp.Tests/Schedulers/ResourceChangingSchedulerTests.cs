using System.Collections.Concurrent;
using System.Globalization;
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

    /// <summary>Steps until <c>steps</c>, logging each step with the CPUs it ran on; saves only when asked.</summary>
    private sealed class Stepper(ConcurrentQueue<(int Steps, int Step, double Cpu)> log, TaskCompletionSource longStarted) : Trainable
    {
        private int _step;

        public override Metrics Step()
        {
            int steps = Config.Get<int>("steps");
            if (steps == 3 && _step == 1)
                longStarted.Task.Wait(TimeSpan.FromSeconds(30)); // the short trial lives until the long one has started
            _step++;
            log.Enqueue((steps, _step, Trial.Resources.Cpu));
            if (steps > 3 && _step == 2)
                longStarted.TrySetResult();
            Thread.Sleep(20);
            return new Metrics { ["score"] = _step, ["done"] = _step == steps };
        }

        public override void SaveCheckpoint(string checkpointDirectory) =>
            File.WriteAllText(Path.Combine(checkpointDirectory, "s"), _step.ToString(CultureInfo.InvariantCulture));

        public override void LoadCheckpoint(string checkpointDirectory) =>
            _step = int.Parse(File.ReadAllText(Path.Combine(checkpointDirectory, "s")), CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task FitAsync_ClassTrainableWithoutCheckpointFrequency_GetsTheFreedCpuAndNeverRetrains()
    {
        using var temp = new TempDirectory();
        var log = new ConcurrentQueue<(int Steps, int Step, double Cpu)>();
        var longStarted = new TaskCompletionSource();
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new Stepper(log, longStarted), "Stepper"),
            new SearchSpace { ["steps"] = Tune.GridSearch(3, 20) },
            new TuneConfig
            {
                Metric = "score", Mode = Mode.Max, AvailableResources = new Resources { Cpu = 2 },
                Scheduler = new ResourceChangingScheduler(new FifoScheduler()),
            },
            new RunConfig { StoragePath = temp.Path, Name = "rcsclass", Verbose = 0 });

        var grid = await tuner.FitAsync();

        // The reallocation saved the trial first, so it continued where it was: each step ran exactly once.
        var longSteps = log.Where(e => e.Steps == 20).ToList();
        Assert.Equal(Enumerable.Range(1, 20), longSteps.Select(e => e.Step));
        Assert.Equal(1.0, longSteps[0].Cpu);
        Assert.Equal(2.0, longSteps[^1].Cpu);
        Assert.Equal(20L, grid.Single(r => r.Config.Get<int>("steps") == 20).Metrics[ResultFields.TrainingIteration]);
    }

    [Fact]
    public async Task FitAsync_WithReuseActors_FailsBeforeAnyTrialNamingBothSettings()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new Stepper(new(), new()), "Stepper"),
            new SearchSpace { ["steps"] = 3 },
            new TuneConfig { ReuseActors = true, Scheduler = new ResourceChangingScheduler() },
            new RunConfig { StoragePath = temp.Path, Name = "rcsreuse", Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("ReuseActors", error.Message, StringComparison.Ordinal);
        Assert.Contains("ResourceChangingScheduler", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "rcsreuse")));
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
