using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

public class ReuseActorsTests
{
    private sealed class Counting : Trainable
    {
        public static int Setups, Resets, Cleanups, Instances;
        private int _steps;

        public Counting() => Interlocked.Increment(ref Instances);
        public override void Setup(Config config) => Interlocked.Increment(ref Setups);
        public override bool ResetConfig(Config newConfig)
        {
            Interlocked.Increment(ref Resets);
            _steps = 0;
            return true;
        }
        public override Metrics Step() => new() { ["x"] = Config.Get<double>("x"), ["done"] = ++_steps == 3 };
        public override void Cleanup() => Interlocked.Increment(ref Cleanups);
    }

    [Fact]
    public async Task FitAsync_ReuseActors_ResetsOneInstanceInsteadOfRebuilding()
    {
        using var temp = new TempDirectory();
        Counting.Setups = Counting.Resets = Counting.Cleanups = Counting.Instances = 0;
        var tuner = new Tuner(TrainableDefinition.FromClass<Counting>(), new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
            new TuneConfig { NumSamples = 4, MaxConcurrentTrials = 1, ReuseActors = true, Seed = 1 },
            new RunConfig { StoragePath = temp.Path, Name = "reuse", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.All(grid, r => Assert.Equal(3L, r.Metrics["training_iteration"]));
        // Each trial saw its own config through the reused instance.
        Assert.All(grid, r => Assert.Equal(r.Config.Get<double>("x"), r.GetMetric("x")));
        Assert.Equal((1, 1, 3, 1), (Counting.Instances, Counting.Setups, Counting.Resets, Counting.Cleanups));
    }

    [Fact]
    public async Task FitAsync_ReuseActorsWithEarlyStopping_ReusesStoppedAndPausedInstancesAndCleansUpAll()
    {
        using var temp = new TempDirectory();
        Counting.Setups = Counting.Resets = Counting.Cleanups = Counting.Instances = 0;
        var tuner = new Tuner(TrainableDefinition.FromClass<Counting>(), new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
            new TuneConfig
            {
                NumSamples = 6, MaxConcurrentTrials = 1, ReuseActors = true, Seed = 1, Metric = "x", Mode = Mode.Max,
                Scheduler = new AshaScheduler { MaxT = 3, GracePeriod = 1, ReductionFactor = 2 },
            },
            new RunConfig { StoragePath = temp.Path, Name = "reuseasha", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Contains(grid, r => (long)r.Metrics["training_iteration"]! < 3);   // ASHA stopped some early
        // One trial at a time: the one instance served all six, stopped early or not, and was cleaned up once.
        Assert.Equal((1, 1, 5, 1), (Counting.Instances, Counting.Setups, Counting.Resets, Counting.Cleanups));
    }

    [Fact]
    public async Task FitAsync_WithoutReuse_BuildsAndCleansUpOneInstancePerTrial()
    {
        using var temp = new TempDirectory();
        Counting.Setups = Counting.Resets = Counting.Cleanups = Counting.Instances = 0;
        var tuner = new Tuner(TrainableDefinition.FromClass<Counting>(), new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
            new TuneConfig { NumSamples = 3, Seed = 1 },
            new RunConfig { StoragePath = temp.Path, Name = "noreuse", Verbose = 0 });

        await tuner.FitAsync();

        Assert.Equal((3, 3, 0, 3), (Counting.Instances, Counting.Setups, Counting.Resets, Counting.Cleanups));
    }
}
