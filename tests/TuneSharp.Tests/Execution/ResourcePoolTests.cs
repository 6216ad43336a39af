using System.Diagnostics;
using TuneSharp.Execution;
using TuneSharp.Search;

namespace TuneSharp.Tests.Execution;

public class ResourcePoolTests
{
    [Fact]
    public void TryAcquire_ThreeThirds_FitInOneCpuAndAFourthDoesNot()
    {
        var pool = new ResourcePool(new Resources { Cpu = 1 });
        var third = new Resources { Cpu = 1.0 / 3 };
        var first = pool.TryAcquire(third);
        Assert.NotNull(first);
        Assert.NotNull(pool.TryAcquire(third));
        Assert.NotNull(pool.TryAcquire(third));
        Assert.Null(pool.TryAcquire(third));
        pool.Release(first);
        Assert.NotNull(pool.TryAcquire(third));
    }

    [Fact]
    public void TryAcquire_CustomResource_CountsItSeparately()
    {
        var pool = new ResourcePool(new Resources { Cpu = 8, Custom = new Dictionary<string, double> { ["tpu"] = 1 } });
        var request = new Resources { Cpu = 1, Custom = new Dictionary<string, double> { ["tpu"] = 1 } };
        Assert.NotNull(pool.TryAcquire(request));
        Assert.Null(pool.TryAcquire(request));
        Assert.Equal("1.0/8 CPUs, 0.0/0 GPUs, 1.0/1 tpu", pool.Describe());
    }

    [Fact]
    public void TryAcquire_WholeGpus_EachRunGetsItsOwnAndAFreedOneIsGivenAgain()
    {
        var pool = new ResourcePool(new Resources { Cpu = 8, Gpu = 4 });
        var oneGpu = new Resources { Gpu = 1 };
        var grants = Enumerable.Range(0, 4).Select(_ => pool.TryAcquire(oneGpu)!).ToList();

        Assert.Equal([[0], [1], [2], [3]], grants.Select(g => g.GpuIds.ToArray()));
        Assert.Null(pool.TryAcquire(oneGpu));
        pool.Release(grants[2]);
        Assert.Equal([2], pool.TryAcquire(oneGpu)!.GpuIds);
        Assert.Empty(pool.TryAcquire(new Resources { Cpu = 1 })!.GpuIds);
    }

    [Fact]
    public void TryAcquire_TwoGpusPerTrial_TakesTwoIdleOnes()
    {
        var pool = new ResourcePool(new Resources { Cpu = 8, Gpu = 4 });
        Assert.NotNull(pool.TryAcquire(new Resources { Gpu = 0.5 })); // GPU 0 is shared now, not idle

        Assert.Equal([1, 2], pool.TryAcquire(new Resources { Gpu = 2 })!.GpuIds);
        Assert.Null(pool.TryAcquire(new Resources { Gpu = 2 })); // only GPU 3 is idle
    }

    [Fact]
    public void TryAcquire_FractionalGpus_MustFitOnOneGpuAndFillTheFullestFirst()
    {
        var pool = new ResourcePool(new Resources { Cpu = 8, Gpu = 2 });

        Assert.Equal([0], pool.TryAcquire(new Resources { Gpu = 0.6 })!.GpuIds);
        Assert.Equal([1], pool.TryAcquire(new Resources { Gpu = 0.6 })!.GpuIds); // 1.2 of GPU 0 would not fit
        // 0.8 of 2 GPUs is free, but no single GPU has half of one left (Ray places a fraction on one GPU).
        Assert.Null(pool.TryAcquire(new Resources { Gpu = 0.5 }));
        Assert.Equal([0], pool.TryAcquire(new Resources { Gpu = 0.4 })!.GpuIds);
        Assert.Equal("3.0/8 CPUs, 1.6/2 GPUs", pool.Describe());
    }

    [Fact]
    public void TryAcquire_FractionalGpu_GoesWhereItLeavesWholeGpusFree()
    {
        var pool = new ResourcePool(new Resources { Cpu = 8, Gpu = 2 });
        var half = pool.TryAcquire(new Resources { Gpu = 0.5 })!;
        Assert.NotNull(pool.TryAcquire(new Resources { Gpu = 0.3 })); // best fit: GPU 0, beside the half
        Assert.Equal([1], pool.TryAcquire(new Resources { Gpu = 1 })!.GpuIds);
        pool.Release(half);
        Assert.Equal([0], pool.TryAcquire(new Resources { Gpu = 0.7 })!.GpuIds);
    }

    [Fact]
    public void EnsureCanEverFit_TooLargeRequests_ThrowNamingTheAmounts()
    {
        var pool = new ResourcePool(new Resources { Cpu = 2 });
        Assert.Contains("3 CPUs", Assert.Throws<TuneException>(() => pool.EnsureCanEverFit(new Resources { Cpu = 3 }, "T")).Message);
        Assert.Contains("1 GPUs", Assert.Throws<TuneException>(() => pool.EnsureCanEverFit(new Resources { Gpu = 1 }, "T")).Message);
        var custom = new Resources { Custom = new Dictionary<string, double> { ["tpu"] = 1 } };
        Assert.Contains("'tpu'", Assert.Throws<TuneException>(() => pool.EnsureCanEverFit(custom, "T")).Message);
    }

    [Theory]
    [InlineData(1.0, 2)]
    [InlineData(0.5, 4)]
    public async Task FitAsync_TwoCpus_ConcurrentTrialsNeverExceedWhatFits(double cpuPerTrial, int fits)
    {
        using var temp = new TempDirectory();
        int running = 0, maxRunning = 0;
        var trainable = Tune.WithResources(async trial =>
        {
            InterlockedMax(ref maxRunning, Interlocked.Increment(ref running));
            try
            {
                // Wait until the pool has been full once (or give up), so the maximum is reached deterministically.
                var waited = Stopwatch.StartNew();
                while (Volatile.Read(ref maxRunning) < fits && waited.Elapsed < TimeSpan.FromSeconds(30))
                    await Task.Delay(2);
                for (int i = 0; i < 3; i++)
                    await trial.ReportAsync(new Metrics { ["score"] = i });
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }, new Resources { Cpu = cpuPerTrial });
        var tuner = new Tuner(trainable, new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
            new TuneConfig { NumSamples = 2 * fits + 1, Seed = 1, AvailableResources = new Resources { Cpu = 2 } },
            new RunConfig { StoragePath = temp.Path, Name = "pool", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(fits, maxRunning);
        Assert.Equal(2 * fits + 1, grid.Count);
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-4)]
    public async Task FitAsync_AvailableResourcesNaNOrNegative_IsRefusedBeforeAnyTrialRuns(double cpu)
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(_ => { }, new SearchSpace(), new TuneConfig { AvailableResources = new Resources { Cpu = cpu } },
            new RunConfig { StoragePath = temp.Path, Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.StartsWith("TuneConfig.AvailableResources asks for negative or NaN resources", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public async Task FitAsync_MaxConcurrentTrials_CapsBelowTheResources()
    {
        using var temp = new TempDirectory();
        int running = 0, maxRunning = 0;
        var tuner = new Tuner(async trial =>
        {
            InterlockedMax(ref maxRunning, Interlocked.Increment(ref running));
            for (int i = 0; i < 3; i++)
            {
                await Task.Delay(2);
                await trial.ReportAsync(new Metrics { ["score"] = i });
            }
            Interlocked.Decrement(ref running);
        }, new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
        new TuneConfig { NumSamples = 4, Seed = 1, MaxConcurrentTrials = 1, AvailableResources = new Resources { Cpu = 4 } },
        new RunConfig { StoragePath = temp.Path, Name = "capped", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(1, maxRunning);
        Assert.Equal(4, grid.Count);
    }

    [Theory]
    [InlineData(3.0, 0.0, "3 CPUs")]
    [InlineData(1.0, 1.0, "1 GPUs")]
    public async Task FitAsync_TrialNeedsMoreThanExists_ThrowsAtStartWithoutRunning(double cpu, double gpu, string expected)
    {
        using var temp = new TempDirectory();
        int calls = 0;
        var trainable = Tune.WithResources(_ => { Interlocked.Increment(ref calls); }, new Resources { Cpu = cpu, Gpu = gpu });
        var tuner = new Tuner(trainable, new SearchSpace(), new TuneConfig { AvailableResources = new Resources { Cpu = 2 } },
            new RunConfig { StoragePath = temp.Path, Name = "big", Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains(expected, error.Message);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task FitAsync_OneGpuPerTrial_TrialsRunningTogetherHoldDifferentGpus()
    {
        using var temp = new TempDirectory();
        var held = new System.Collections.Concurrent.ConcurrentDictionary<string, int[]>();
        using var bothStarted = new CountdownEvent(2);
        var trainable = Tune.WithResources(async trial =>
        {
            held[trial.TrialId] = trial.GpuIds.ToArray();
            if (held.Count <= 2)
            {
                bothStarted.Signal();
                bothStarted.Wait(TimeSpan.FromSeconds(30)); // the first two run at the same time
            }
            await trial.ReportAsync(new Metrics { ["score"] = 1 });
        }, new Resources { Cpu = 1, Gpu = 1 });
        var tuner = new Tuner(trainable, new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
            new TuneConfig { NumSamples = 4, Seed = 1, AvailableResources = new Resources { Cpu = 4, Gpu = 2 } },
            new RunConfig { StoragePath = temp.Path, Name = "gpus", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(4, grid.Count);
        Assert.All(held.Values, ids => Assert.Single(ids));
        var firstTwo = grid.Take(2).Select(r => held[r.TrialId][0]).ToList();
        Assert.Equal([0, 1], firstTwo.Order());
    }

    [Theory]
    [InlineData(1.5, 4.0, "Trainable 'trainable' asks for 1.5 GPUs")]
    [InlineData(1.0, 1.5, "TuneConfig.AvailableResources.Gpu is 1.5")]
    public async Task FitAsync_GpuAmountsThatCannotBePlaced_AreRefusedBeforeAnyTrialRuns(double perTrial, double available, string expected)
    {
        using var temp = new TempDirectory();
        var trainable = Tune.WithResources(_ => { }, new Resources { Gpu = perTrial });
        var tuner = new Tuner(trainable, new SearchSpace(), new TuneConfig { AvailableResources = new Resources { Cpu = 2, Gpu = available } },
            new RunConfig { StoragePath = temp.Path, Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.StartsWith(expected, error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Theory]
    [InlineData("0,1", 2)]
    [InlineData(" 2 , 3 ,", 2)]
    [InlineData("", 0)] // as Ray: set but empty means no GPU
    [InlineData("NoDevFiles", 0)] // as Ray (a batch system's "no GPU allocated")
    public void GpuDetection_CudaVisibleDevicesSet_CountsItsEntries(string visible, int expected)
    {
        using var devices = new TempDirectory();
        File.WriteAllText(Path.Combine(devices.Path, "nvidia0"), "");

        Assert.Equal(expected, GpuDetection.Count(visible, devices.Path));
    }

    [Fact]
    public void GpuDetection_NoCudaVisibleDevices_CountsTheNvidiaDeviceFiles()
    {
        using var devices = new TempDirectory();
        foreach (string name in new[] { "nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm", "nvidia-modeset", "null" })
            File.WriteAllText(Path.Combine(devices.Path, name), "");

        Assert.Equal(2, GpuDetection.Count(null, devices.Path));
        Assert.Equal(0, GpuDetection.Count(null, Path.Combine(devices.Path, "missing")));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (int seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            Interlocked.CompareExchange(ref target, value, seen);
    }
}
