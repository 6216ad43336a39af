using System.Collections.Concurrent;
using TuneSharp.Schedulers;
using TuneSharp.Search;
using TuneSharp.Stopping;

namespace TuneSharp.Tests.Execution;

public class FailureHandlingTests
{
    private static int ReadStep(Checkpoint? checkpoint) =>
        checkpoint?.Read(dir => int.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")))) ?? 0;

    private static Checkpoint StepCheckpoint(int step) =>
        Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), step.ToString()));

    [Fact]
    public async Task FitAsync_FailingTrial_RetriedFromLastCheckpointThenErrorWhileOthersFinish()
    {
        using var temp = new TempDirectory();
        var starts = new ConcurrentQueue<(int Id, long Iteration, int RestoredStep)>();
        var tuner = new Tuner(async trial =>
        {
            int id = trial.Config.Get<int>("id");
            int step = ReadStep(trial.GetCheckpoint());
            starts.Enqueue((id, trial.Iteration, step));
            while (step < 4)
            {
                step++;
                if (id == 1 && step == 3)
                    throw new InvalidOperationException("boom at step 3");
                await trial.ReportAsync(new Metrics { ["score"] = step }, StepCheckpoint(step));
            }
        }, new SearchSpace { ["id"] = Tune.GridSearch(0, 1, 2) },
        new TuneConfig { Metric = "score", Mode = Mode.Max, Seed = 1, AvailableResources = new Resources { Cpu = 2 } },
        new RunConfig { StoragePath = temp.Path, Name = "retry", Verbose = 0, FailureConfig = new FailureConfig { MaxFailures = 2 } });

        var grid = await tuner.FitAsync();

        var failing = grid.Single(r => r.Config.Get<int>("id") == 1);
        Assert.Equal(TrialStatus.Error, failing.Status);
        Assert.Contains("boom at step 3", failing.Error);
        Assert.Equal(1, grid.NumErrors);
        Assert.Single(grid.Errors);
        // One run and two retries, each from the checkpoint of step 2, continuing at its iteration.
        Assert.Equal([(1, 0L, 0), (1, 2L, 2), (1, 2L, 2)], starts.Where(s => s.Id == 1));
        string errorText = File.ReadAllText(Path.Combine(failing.Path, "error.txt"));
        Assert.Contains("Failure # 1", errorText);
        Assert.Contains("Failure # 3", errorText);
        Assert.Contains("InvalidOperationException: boom at step 3", errorText);
        Assert.All(grid.Where(r => r != failing), r =>
        {
            Assert.Equal(TrialStatus.Terminated, r.Status);
            Assert.Equal(4L, r.Metrics[ResultFields.TrainingIteration]);
            Assert.Null(r.Error);
            Assert.False(File.Exists(Path.Combine(r.Path, "error.txt")));
        });
        Assert.Equal(0, grid.GetBestResult().Config.Get<int>("id")); // ties go to the first trial, as Ray
    }

    [Fact]
    public async Task FitAsync_NoRetries_FirstFailureIsFinal()
    {
        using var temp = new TempDirectory();
        int runs = 0;
        var tuner = new Tuner(_ =>
        {
            Interlocked.Increment(ref runs);
            throw new ArgumentException("bad config");
        }, new SearchSpace(), new TuneConfig(), new RunConfig { StoragePath = temp.Path, Name = "once", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(1, runs);
        Assert.Equal(TrialStatus.Error, grid[0].Status);
        Assert.Equal("ArgumentException: bad config", grid[0].Error);
    }

    [Fact]
    public async Task FitAsync_FailFast_StopsTheOtherTrialsAtTheFirstError()
    {
        using var temp = new TempDirectory();
        var started = new ConcurrentBag<int>();
        var tuner = new Tuner(async trial =>
        {
            started.Add(trial.Config.Get<int>("id"));
            if (trial.Config.Get<int>("id") == 0)
                throw new InvalidOperationException("fail fast");
            for (int i = 0; i < 100_000; i++) // until stopped
            {
                await trial.ReportAsync(new Metrics { ["score"] = i });
                await Task.Delay(1);
            }
        }, new SearchSpace { ["id"] = Tune.GridSearch(0, 1, 2, 3) },
        new TuneConfig { Seed = 1, AvailableResources = new Resources { Cpu = 2 } },
        new RunConfig { StoragePath = temp.Path, Name = "failfast", Verbose = 0, FailureConfig = new FailureConfig { FailFast = true } });

        var grid = await tuner.FitAsync();

        Assert.Equal(1, grid.NumErrors);
        Assert.Equal(TrialStatus.Error, grid.Single(r => r.Config.Get<int>("id") == 0).Status);
        // Only the two trials that had room ever ran; the running one was stopped, the waiting ones never start.
        Assert.Equal([0, 1], started.Order());
        Assert.All(grid.Where(r => r.Config.Get<int>("id") != 0), r => Assert.Equal(TrialStatus.Terminated, r.Status));
        var other = grid.Single(r => r.Config.Get<int>("id") == 1);
        Assert.True(other.Metrics.Count == 0 || (long)other.Metrics[ResultFields.TrainingIteration]! < 100_000);
        Assert.All(grid.Where(r => r.Config.Get<int>("id") >= 2), r => Assert.Empty(r.Metrics));
    }

    /// <summary>A trainable that reports once, then waits until its trial is stopped; records that it was.</summary>
    private static Func<TrialContext, Task> WaitUntilStopped(ConcurrentBag<string> stopped) => async trial =>
    {
        try
        {
            await trial.ReportAsync(new Metrics { ["score"] = 1.0 });
            await Task.Delay(Timeout.Infinite, trial.CancellationToken);
        }
        finally
        {
            stopped.Add(trial.TrialId);
        }
    };

    [Fact]
    public async Task FitAsync_TrialNameCreatorThrowsWhileATrialRuns_FailsNamingTheOptionAndStopsTheRunningTrial()
    {
        using var temp = new TempDirectory();
        var stopped = new ConcurrentBag<string>();
        int named = 0;
        var tuner = new Tuner(WaitUntilStopped(stopped), new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
            new TuneConfig
            {
                NumSamples = 3, Metric = "score", Mode = Mode.Max, SearchAlg = new TpeSearch { Seed = 1 },
                AvailableResources = new Resources { Cpu = 2 },
                TrialNameCreator = info => Interlocked.Increment(ref named) == 2 ? throw new KeyNotFoundException("no such key") : info.TrialId,
            },
            new RunConfig { StoragePath = temp.Path, Name = "names", Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("TuneConfig.TrialNameCreator threw KeyNotFoundException", error.Message);
        Assert.IsType<KeyNotFoundException>(error.InnerException);
        Assert.Single(stopped); // the first trial was running: it was stopped, not left waiting
    }

    [Fact]
    public async Task FitAsync_SampleFromThrowsForALaterTrial_RunningTrialsAreStoppedAndTheErrorRethrown()
    {
        using var temp = new TempDirectory();
        var stopped = new ConcurrentBag<string>();
        int calls = 0;
        var tuner = new Tuner(WaitUntilStopped(stopped),
            new SearchSpace { ["x"] = Tune.Uniform(0, 1), ["y"] = Tune.SampleFrom(_ => ++calls >= 3 ? throw new ArithmeticException("bad draw") : 1.0) },
            new TuneConfig
            {
                NumSamples = 4, Metric = "score", Mode = Mode.Max, SearchAlg = new TpeSearch { Seed = 1 },
                AvailableResources = new Resources { Cpu = 2 },
            },
            new RunConfig { StoragePath = temp.Path, Name = "draws", Verbose = 0 });

        await Assert.ThrowsAnyAsync<Exception>(() => tuner.FitAsync());

        Assert.NotEmpty(stopped);
        var saved = TuneSharp.Results.ResultGrid.FromDirectory(Path.Combine(temp.Path, "draws"));
        Assert.DoesNotContain(saved, r => r.Status == TrialStatus.Running);
    }

    [Fact]
    public async Task FitAsync_MetricNeverReported_ThrowsNamingTrialMetricAndReportedKeys()
    {
        using var temp = new TempDirectory();
        string? trialName = null;
        var tuner = new Tuner(async trial =>
        {
            trialName = trial.TrialName;
            await trial.ReportAsync(new Metrics { ["accuracy"] = 0.5, ["val_loss"] = 1.0 });
        }, new SearchSpace(), new TuneConfig { Metric = "loss", Mode = Mode.Min },
        new RunConfig { StoragePath = temp.Path, Name = "nometric", Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains(trialName!, error.Message);
        Assert.Contains("'loss'", error.Message);
        Assert.Contains("TuneConfig.Metric", error.Message);
        Assert.Contains("accuracy, val_loss", error.Message);
    }

    public static TheoryData<string, TuneConfig> ComponentsWithKeysNeverReported => new()
    {
        { "AshaScheduler.Metric", new TuneConfig { Scheduler = new AshaScheduler { Metric = "los", Mode = Mode.Min } } },
        { "AshaScheduler.TimeAttr", new TuneConfig { Metric = "loss", Mode = Mode.Min, Scheduler = new AshaScheduler { TimeAttr = "epoch" } } },
        { "MedianStoppingRule.Metric", new TuneConfig { Scheduler = new MedianStoppingRule { Metric = "los", Mode = Mode.Min } } },
        { "TpeSearch.Metric", new TuneConfig { SearchAlg = new TpeSearch { Metric = "los", Mode = Mode.Min } } },
        { "TpeSearch.Metric", new TuneConfig { SearchAlg = new ConcurrencyLimiter(new TpeSearch { Metric = "los", Mode = Mode.Min }, 1) } },
    };

    [Theory]
    [MemberData(nameof(ComponentsWithKeysNeverReported))]
    public async Task FitAsync_SchedulerOrSearcherKeyNeverReported_ThrowsNamingTheOption(string option, TuneConfig tuneConfig)
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(async trial =>
        {
            for (int i = 0; i < 5; i++)
                await trial.ReportAsync(new Metrics { ["loss"] = 1.0 / (i + 1) });
        }, new SearchSpace { ["x"] = Tune.Uniform(0, 1) }, tuneConfig, new RunConfig { StoragePath = temp.Path, Name = "keys", Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains($"named in {option}", error.Message);
        Assert.Contains("It reported: loss", error.Message);
    }

    [Fact]
    public async Task FitAsync_SchedulerMetricOtherThanTheExperiments_IsRefusedBeforeAnyTrialRuns()
    {
        using var temp = new TempDirectory();
        int ran = 0;
        var tuner = new Tuner(_ => { Interlocked.Increment(ref ran); },
            new SearchSpace(), new TuneConfig { Metric = "loss", Mode = Mode.Min, Scheduler = new AshaScheduler { Metric = "accuracy", Mode = Mode.Max } },
            new RunConfig { StoragePath = temp.Path, Name = "conflict", Verbose = 0 });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("AshaScheduler.Metric is 'accuracy' but TuneConfig.Metric is 'loss'", error.Message);
        Assert.Equal(0, ran);
    }

    [Fact]
    public void Setup_SearcherModeOtherThanTheExperiments_IsRefused()
    {
        var searcher = new TpeSearch { Mode = Mode.Max };
        var error = Assert.Throws<TuneException>(() => searcher.Setup(new SearcherSetup(new SearchSpace { ["x"] = Tune.Uniform(0, 1) }, "loss", Mode.Min, 4, 1)));
        Assert.Contains("TpeSearch.Mode is Max but TuneConfig.Mode is Min", error.Message);
    }

    [Fact]
    public void Setup_RepeaterWithoutItsOwnMetric_AveragesTheWrappedSearchersMetric()
    {
        var repeater = new Repeater(new TpeSearch { Metric = "acc", Mode = Mode.Max }, repeat: 2);
        repeater.Setup(new SearcherSetup(new SearchSpace { ["x"] = Tune.Uniform(0, 1) }, null, null, 4, 1));
        Assert.Equal([new RequiredResultKey("acc", "TpeSearch.Metric")], repeater.RequiredResultKeys);
    }

    [Fact]
    public async Task FitAsync_StopThresholdOnMissingKey_ThrowsNamingTheKey()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(trial => trial.Report(new Metrics { ["acc"] = 0.5 }), new SearchSpace(), new TuneConfig(),
            new RunConfig { StoragePath = temp.Path, Name = "nostopkey", Verbose = 0, Stop = new StopCriteria { ["mean_accuracy"] = 0.9 } });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("'mean_accuracy'", error.Message);
        Assert.Contains("RunConfig.Stop", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // with a callback the controller makes the folder itself, before OnTrialStart
    public async Task FitAsync_TrialFolderCannotBeCreated_EndsWithTheFileSystemErrorNamingIt(bool withCallback)
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(temp.Path, "exp"));
        File.WriteAllText(Path.Combine(temp.Path, "exp", "blocked"), "a file where the trial's folder would go");
        bool ran = false;
        var tuner = new Tuner(trial => { ran = true; trial.Report(new Metrics { ["loss"] = 1.0 }); },
            new SearchSpace { ["x"] = 1 },
            new TuneConfig { TrialDirnameCreator = _ => "blocked" },
            new RunConfig
            {
                StoragePath = temp.Path, Name = "exp", Verbose = 0, FailureConfig = new FailureConfig { MaxFailures = 3 },
                Callbacks = withCallback ? [new TuneSharp.Reporting.TensorBoardLogger()] : [],
            });

        Task fit = tuner.FitAsync();
        Assert.Same(fit, await Task.WhenAny(fit, Task.Delay(TimeSpan.FromSeconds(30)))); // ends, rather than waits for a run that never began
        var error = await Assert.ThrowsAnyAsync<IOException>(() => fit);

        Assert.Contains("blocked", error.Message);
        Assert.False(ran);
    }

    [Fact]
    public async Task FitAsync_AsyncVoidMethodThrowsInATrial_ThatTrialErrsAndTheOthersFinish()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(async trial =>
            {
                if (trial.Config.Get<int>("k") == 1)
                    FireAndForget();
                await trial.ReportAsync(new Metrics { ["loss"] = 1.0 });
                await trial.ReportAsync(new Metrics { ["loss"] = 0.5 });
            },
            new SearchSpace { ["k"] = Tune.GridSearch(1, 2) },
            new TuneConfig(),
            new RunConfig { StoragePath = temp.Path, Name = "asyncvoid", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(1, grid.NumErrors);
        Assert.Contains("boom", grid.Single(r => r.Config.Get<int>("k") == 1).Error);
        Assert.Equal(2L, grid.Single(r => r.Config.Get<int>("k") == 2).Metrics["training_iteration"]);

        static async void FireAndForget()
        {
            await Task.Yield();
            throw new InvalidOperationException("boom");
        }
    }

    [Fact]
    public async Task FitAsync_FailFastWithRetries_IsRefusedBeforeAnyTrialRuns()
    {
        using var temp = new TempDirectory();
        bool ran = false;
        var tuner = new Tuner(_ => ran = true, new SearchSpace(), new TuneConfig(),
            new RunConfig { StoragePath = temp.Path, Name = "ff", Verbose = 0, FailureConfig = new FailureConfig { FailFast = true, MaxFailures = 3 } });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("MaxFailures = 3", error.Message);
        Assert.False(ran);
    }
}
