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
        var shortEnded = new ShortTrialEnded();
        var tuner = new Tuner(async trial =>
        {
            int steps = trial.Config.Get<int>("steps");
            int step = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "s")))) ?? 0;
            while (step < steps)
            {
                if (steps == 3 && step == 1)
                    await gate.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the short trial lives until the long one has started
                if (steps > 3 && step == 4)
                    await shortEnded.Task.WaitAsync(TimeSpan.FromSeconds(60)); // ... and ends while the long one still runs
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
        new RunConfig { StoragePath = temp.Path, Name = "rcs", Verbose = 0, Callbacks = [shortEnded] });

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

    /// <summary>Completes when the controller has ended the short trial (steps = 3), its CPU back in the pool: the long
    /// trial's results after that are the ones a reallocation answers. Waiting for it keeps the long trial from
    /// finishing first on a loaded machine, where the short trial's thread may lag behind.</summary>
    private sealed class ShortTrialEnded : TuneSharp.Reporting.TuneCallback
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Task => _ended.Task;
        public override void OnTrialComplete(TrialInfo trial)
        {
            if (trial.Config.Get<int>("steps") == 3)
                _ended.TrySetResult();
        }
    }

    /// <summary>Steps until <c>steps</c>, logging each step with the CPUs it ran on; saves only when asked.</summary>
    private sealed class Stepper(ConcurrentQueue<(int Steps, int Step, double Cpu)> log, TaskCompletionSource longStarted, Task? shortEnded = null) : Trainable
    {
        private int _step;

        public override Metrics Step()
        {
            int steps = Config.Get<int>("steps");
            if (steps == 3 && _step == 1)
                longStarted.Task.Wait(TimeSpan.FromSeconds(30)); // the short trial lives until the long one has started
            if (steps > 3 && _step == 4)
                shortEnded?.Wait(TimeSpan.FromSeconds(60)); // ... and ends while the long one still runs
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
        var shortEnded = new ShortTrialEnded();
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new Stepper(log, longStarted, shortEnded.Task), "Stepper"),
            new SearchSpace { ["steps"] = Tune.GridSearch(3, 20) },
            new TuneConfig
            {
                Metric = "score", Mode = Mode.Max, AvailableResources = new Resources { Cpu = 2 },
                Scheduler = new ResourceChangingScheduler(new FifoScheduler()),
            },
            new RunConfig { StoragePath = temp.Path, Name = "rcsclass", Verbose = 0, Callbacks = [shortEnded] });

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
    public async Task FitAsync_AllocationFunctionProposesNoResources_EndsTheExperimentNamingTheReallocation()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(async trial =>
            {
                for (int i = 0; i < 5; i++)
                    await trial.ReportAsync(new Metrics { ["score"] = i }, Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "s"), "")));
            }, new SearchSpace(),
            new TuneConfig
            {
                Metric = "score", Mode = Mode.Max,
                Scheduler = new ResourceChangingScheduler(new FifoScheduler()) { ResourcesAllocationFunction = (_, _, _) => new Resources { Cpu = 0 } },
            },
            new RunConfig { StoragePath = temp.Path, Name = "rcsnone", Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("ResourceChangingScheduler's reallocation of trial", error.Message);
        Assert.Contains("asks for no resources at all", error.Message);
    }

    private static TrialInfo Trial(double cpu, double gpu = 0, long iteration = 1) =>
        new("a", "t_a", 0, Config.Empty, TrialStatus.Running, iteration, null, "cp", "", new Resources { Cpu = cpu, Gpu = gpu });

    [Theory]
    // Ray's DistributeResources, worked by hand (capacity, live trials, starting CPUs, the trial's CPUs, CPUs the live
    // trials ask for, expected): the excess over every trial's start is dealt out round-robin, so no trial gets more
    // than ⌈excess units / trials⌉; within that a trial takes what is free, or gives back what is missing.
    [InlineData(4, 1, 1, 1, 1, 4)]   // alone: excess 3, cap 3, 3 free
    [InlineData(4, 3, 1, 1, 3, 2)]   // 3 trials: excess 1, cap ⌈1/3⌉ = 1, 1 free; the others stay at 1
    [InlineData(4, 3, 1, 1, 4, 1)]   // the spare CPU went to another trial already
    [InlineData(8, 3, 2, 2, 6, 3)]   // 3 trials of 2 on 8: excess 2, cap ⌈2/3⌉ = 1 although 2 are free
    [InlineData(4, 2, 1, 3, 5, 2)]   // a newcomer leaves one CPU missing: the trial gives one back
    [InlineData(4, 4, 1, 1, 4, 1)]   // no excess: nothing changes
    public void DistributeResources_SharesTheFreeCpusInWholeUnitsUpToAnEvenShare(double capacity, int live, double initial, double current, double used, double expected)
    {
        var view = new View(running: live, waiting: 0, new Resources { Cpu = capacity }, new Resources { Cpu = used });

        Resources? proposed = new DistributeResources().Allocate(Trial(current), view, new Resources { Cpu = initial });

        Assert.Equal(expected, proposed!.Cpu);
    }

    [Fact]
    public void DistributeResources_Options_CapReserveAndGpuUnits()
    {
        var alone = new View(running: 1, waiting: 0, new Resources { Cpu = 8, Gpu = 4 }, new Resources { Cpu = 1, Gpu = 1 });
        // IncreaseByTimes caps the growth; ReserveResources keeps CPUs out of the sharing.
        Assert.Equal(3, new DistributeResources { IncreaseBy = new Resources { Cpu = 1 }, IncreaseByTimes = 2 }
            .Allocate(Trial(1, 1), alone, new Resources { Cpu = 1, Gpu = 1 })!.Cpu);
        Assert.Equal(6, new DistributeResources { ReserveResources = new Resources { Cpu = 2 } }
            .Allocate(Trial(1), alone with { Used = new Resources { Cpu = 1 } }, new Resources { Cpu = 1 })!.Cpu);
        // A GPU trial grows by GPUs and keeps its CPUs, as Ray's.
        var gpu = new DistributeResources().Allocate(Trial(1, 1), alone, new Resources { Cpu = 1, Gpu = 1 })!;
        Assert.Equal((1.0, 4.0), (gpu.Cpu, gpu.Gpu));
        // Before its first result a trial is left as it is.
        Assert.Null(new DistributeResources().Allocate(Trial(1, iteration: 0), alone, new Resources { Cpu = 1 }));
    }

    /// <summary>A trial that starts with a fraction of a GPU grows by whole GPUs (Ray's default unit): 0.5 + 1 = 1.5 GPUs
    /// cannot be placed (a share larger than one GPU must be whole, Resources.Validate), so the proposal must stay placeable.</summary>
    [Fact]
    public void DistributeResources_FractionalGpuTrial_ProposesOnlyAmountsThatCanBePlaced()
    {
        var alone = new View(running: 1, waiting: 0, new Resources { Cpu = 8, Gpu = 2 }, new Resources { Cpu = 1, Gpu = 0.5 });

        Resources proposed = new DistributeResources().Allocate(Trial(1, 0.5), alone, new Resources { Cpu = 1, Gpu = 0.5 })!;

        Assert.True(proposed.Gpu <= 1 || proposed.Gpu == Math.Floor(proposed.Gpu), $"proposed {proposed.Gpu} GPUs");
        proposed.Validate("the reallocation");
    }

    [Fact]
    public async Task FitAsync_FractionalGpuTrialWithTheDefaultAllocation_RunsToTheEnd()
    {
        using var temp = new TempDirectory();
        var gpus = new ConcurrentQueue<double>();
        var trainable = Tune.WithResources(async trial =>
        {
            int start = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "s")), CultureInfo.InvariantCulture)) ?? 0;
            for (int i = start + 1; i <= 4; i++)
            {
                gpus.Enqueue(trial.Resources.Gpu);
                int s = i;
                await trial.ReportAsync(new Metrics { ["score"] = s },
                    Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "s"), s.ToString(CultureInfo.InvariantCulture))));
            }
        }, new Resources { Cpu = 1, Gpu = 0.5 });
        var tuner = new Tuner(trainable, new SearchSpace(),
            new TuneConfig
            {
                Metric = "score", Mode = Mode.Max, AvailableResources = new Resources { Cpu = 2, Gpu = 2 },
                Scheduler = new ResourceChangingScheduler(new FifoScheduler()),
            },
            new RunConfig { StoragePath = temp.Path, Name = "rcsgpu", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.Equal(4L, grid[0].Metrics[ResultFields.TrainingIteration]);
        Assert.All(gpus, g => Assert.True(g <= 1 || g == Math.Floor(g), $"ran with {g} GPUs"));
    }

    private sealed record View(int running, int waiting, Resources capacity, Resources Used) : IExperimentView
    {
        public int WaitingCount => waiting;
        public int RunningCount => running;
        public string ExperimentPath => "";
        public Resources Capacity => capacity;
        public Resources LiveTrialResources => Used;
    }
}
