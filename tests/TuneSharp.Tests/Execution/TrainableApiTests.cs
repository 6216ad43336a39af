using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using TuneSharp.Results;
using TuneSharp.Search;
using TuneSharp.Stopping;

namespace TuneSharp.Tests.Execution;

public class TrainableApiTests
{
    /// <summary>A class trainable that counts steps, keeps its step in checkpoints and logs every call.</summary>
    internal sealed class CountingTrainable(ConcurrentQueue<string> log, int doneAt = 5) : Trainable
    {
        private int _step;

        public override void Setup(Config config) => log.Enqueue($"setup lr={config.Get<double>("lr")}");

        public override Metrics Step()
        {
            _step++;
            log.Enqueue($"step {_step}");
            var metrics = new Metrics { ["score"] = _step * Config.Get<double>("lr") };
            if (_step == doneAt)
                metrics[ResultFields.Done] = true;
            return metrics;
        }

        public override void SaveCheckpoint(string checkpointDirectory)
        {
            log.Enqueue($"save {_step}");
            File.WriteAllText(Path.Combine(checkpointDirectory, "state.txt"), _step.ToString());
        }

        public override void LoadCheckpoint(string checkpointDirectory)
        {
            _step = int.Parse(File.ReadAllText(Path.Combine(checkpointDirectory, "state.txt")));
            log.Enqueue($"load {_step}");
        }

        public override void Cleanup() => log.Enqueue("cleanup");
    }

    [Fact]
    public async Task FitAsync_ClassTrainable_CallsLifecycleAndCheckpointsOnFrequencyAndAtEnd()
    {
        using var temp = new TempDirectory();
        var log = new ConcurrentQueue<string>();
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new CountingTrainable(log), "Counting"),
            new SearchSpace { ["lr"] = 0.5 }, new TuneConfig(),
            new RunConfig
            {
                StoragePath = temp.Path, Name = "class", Verbose = 0,
                CheckpointConfig = new CheckpointConfig { CheckpointFrequency = 2, CheckpointAtEnd = true },
            });

        var grid = await tuner.FitAsync();

        Assert.Equal(["setup lr=0.5", "step 1", "step 2", "save 2", "step 3", "step 4", "save 4", "step 5", "save 5", "cleanup"], log);
        Result result = grid[0];
        Assert.Equal(TrialStatus.Terminated, result.Status);
        Assert.Equal(5L, result.Metrics[ResultFields.TrainingIteration]);
        Assert.Equal(2.5, result.GetMetric("score"));
        Assert.Equal(["checkpoint_000000", "checkpoint_000001", "checkpoint_000002"], TrialFiles.CheckpointFolders(result.Path));
        Assert.Equal("5", result.Checkpoint!.Read(dir => File.ReadAllText(Path.Combine(dir, "state.txt"))));
        var lines = TrialFiles.ResultLines(result.Path);
        Assert.Equal([null, "checkpoint_000000", null, "checkpoint_000001", "checkpoint_000002"],
            lines.Select(l => l[ResultFields.CheckpointDirName]?.GetValue<string>()));
        Assert.True(lines[^1][ResultFields.Done]!.GetValue<bool>());
    }

    [Fact]
    public async Task FitAsync_ClassTrainableStoppedWithCheckpointAtEnd_SavesAfterTheLastStep()
    {
        using var temp = new TempDirectory();
        var log = new ConcurrentQueue<string>();
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new CountingTrainable(log, doneAt: 100), "Counting"),
            new SearchSpace { ["lr"] = 1.0 }, new TuneConfig(),
            new RunConfig
            {
                StoragePath = temp.Path, Name = "classstop", Verbose = 0, Stop = new MaximumIterationStopper(3),
                CheckpointConfig = new CheckpointConfig { CheckpointAtEnd = true },
            });

        var grid = await tuner.FitAsync();

        Assert.Equal(["setup lr=1", "step 1", "step 2", "step 3", "save 3", "cleanup"], log);
        Assert.Equal(["checkpoint_000000"], TrialFiles.CheckpointFolders(grid[0].Path));
        Assert.Equal(3L, grid[0].Metrics[ResultFields.TrainingIteration]);
    }

    [Fact]
    public async Task FitAsync_CheckpointFrequencyOnFunctionTrainable_ThrowsNamingTheOption()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(_ => { }, new SearchSpace(), new TuneConfig(),
            new RunConfig { StoragePath = temp.Path, Verbose = 0, CheckpointConfig = new CheckpointConfig { CheckpointFrequency = 2 } });
        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());
        Assert.Contains("CheckpointFrequency = 2", error.Message);
    }

    [Fact]
    public async Task FitAsync_FunctionReturnsMetrics_CountsAsTheFinalReport()
    {
        using var temp = new TempDirectory();
        Func<TrialContext, Task<Metrics?>> train = async trial =>
        {
            await trial.ReportAsync(new Metrics { ["score"] = 1.0 });
            await trial.ReportAsync(new Metrics { ["score"] = 2.0 });
            return new Metrics { ["score"] = 42.0 };
        };
        var tuner = new Tuner(TrainableDefinition.FromFunction(train, "returning"), new SearchSpace(),
            new TuneConfig { Metric = "score", Mode = Mode.Max }, new RunConfig { StoragePath = temp.Path, Name = "ret", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(3L, grid[0].Metrics[ResultFields.TrainingIteration]);
        Assert.Equal(42.0, grid[0].GetMetric("score"));
        Assert.Equal(3, TrialFiles.ResultLines(grid[0].Path).Count);
    }

    [Fact]
    public async Task ReportAsync_WhenItReturns_TheResultIsInBothFiles()
    {
        using var temp = new TempDirectory();
        var seen = new ConcurrentQueue<(int Json, int Csv)>();
        Func<TrialContext, Task> train = async trial =>
        {
            for (int i = 1; i <= 3; i++)
            {
                await trial.ReportAsync(new Metrics { ["score"] = i });
                // What a crash right now would leave behind: every reported result, in both files.
                seen.Enqueue((TrialFiles.ResultLines(trial.TrialDirectory).Count,
                    File.ReadAllLines(Path.Combine(trial.TrialDirectory, "progress.csv")).Length - 1));
            }
        };
        Action<TrialContext> synchronous = trial =>
        {
            trial.Report(new Metrics { ["score"] = 1 });
            seen.Enqueue((TrialFiles.ResultLines(trial.TrialDirectory).Count,
                File.ReadAllLines(Path.Combine(trial.TrialDirectory, "progress.csv")).Length - 1));
        };

        await new Tuner(TrainableDefinition.FromFunction(train, "async"), new SearchSpace(),
            new TuneConfig { Metric = "score", Mode = Mode.Max }, new RunConfig { StoragePath = temp.Path, Name = "a", Verbose = 0 }).FitAsync();
        await new Tuner(TrainableDefinition.FromFunction(synchronous, "sync"), new SearchSpace(),
            new TuneConfig { Metric = "score", Mode = Mode.Max }, new RunConfig { StoragePath = temp.Path, Name = "s", Verbose = 0 }).FitAsync();

        Assert.Equal([(1, 1), (2, 2), (3, 3), (1, 1)], seen);
    }

    [Fact]
    public async Task ReportAsync_NotAwaitedBeforeTheTrainableEnds_TheResultIsStillWritten()
    {
        using var temp = new TempDirectory();
        Func<TrialContext, Task> train = trial =>
        {
            _ = trial.ReportAsync(new Metrics { ["score"] = 1 }); // a bug in the trainable, but what it reported stays
            return Task.CompletedTask;
        };
        var grid = await new Tuner(TrainableDefinition.FromFunction(train, "unawaited"), new SearchSpace(),
            new TuneConfig { Metric = "score", Mode = Mode.Max }, new RunConfig { StoragePath = temp.Path, Name = "u", Verbose = 0 }).FitAsync();

        Assert.Single(TrialFiles.ResultLines(grid[0].Path));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(grid[0].Path, "progress.csv")).Length);
    }

    [Fact]
    public async Task FitAsync_SynchronousFunctionReturnsMetrics_IsItsOnlyResult()
    {
        using var temp = new TempDirectory();
        Func<TrialContext, Metrics?> train = trial => new Metrics { ["score"] = trial.Config.Get<double>("x") * 2 };
        var tuner = new Tuner(TrainableDefinition.FromFunction(train, "sync"), new SearchSpace { ["x"] = Tune.GridSearch(1.5, 2.5) },
            new TuneConfig { Metric = "score", Mode = Mode.Max }, new RunConfig { StoragePath = temp.Path, Name = "sync", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal([3.0, 5.0], grid.Select(r => r.GetMetric("score")!.Value));
        Assert.All(grid, r => Assert.Equal(1L, r.Metrics[ResultFields.TrainingIteration]));
        Assert.Equal(5.0, grid.GetBestResult().GetMetric("score"));
    }

    [Fact]
    public async Task FitAsync_FunctionReturnsNull_AddsNoResult()
    {
        using var temp = new TempDirectory();
        Func<TrialContext, Task<Metrics?>> train = async trial =>
        {
            await trial.ReportAsync(new Metrics { ["score"] = 1.0 });
            return null;
        };
        var grid = await new Tuner(TrainableDefinition.FromFunction(train, "nothing"), null, null,
            new RunConfig { StoragePath = temp.Path, Name = "null", Verbose = 0 }).FitAsync();
        Assert.Equal(1L, grid[0].Metrics[ResultFields.TrainingIteration]);
    }

    [Fact]
    public async Task TrialContext_SeededExperiment_GivesEachTrialAStableDistinctSeed()
    {
        async Task<List<int>> Seeds()
        {
            using var temp = new TempDirectory();
            var seeds = new ConcurrentDictionary<int, int>();
            await new Tuner(trial => { seeds[trial.Config.Get<int>("i")] = trial.Seed; }, new SearchSpace { ["i"] = Tune.GridSearch(0, 1, 2) },
                new TuneConfig { Seed = 9 }, new RunConfig { StoragePath = temp.Path, Name = "seeds", Verbose = 0 }).FitAsync();
            return seeds.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();
        }
        var first = await Seeds();
        Assert.Equal(first, await Seeds());
        Assert.Equal(3, first.Distinct().Count());
    }
    /// <summary>Ray's tune_controller checkpoints a class trainable whose result says should_checkpoint, whatever the frequency.</summary>
    [Fact]
    public async Task FitAsync_ClassStepReturnsShouldCheckpoint_IsCheckpointedWithThatResult()
    {
        using var temp = new TempDirectory();
        var log = new ConcurrentQueue<string>();
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new ForcedCheckpointTrainable(log), "Forced"),
            new SearchSpace(), new TuneConfig(), new RunConfig { StoragePath = temp.Path, Name = "forced", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(["save 2"], log);
        Assert.Equal(["checkpoint_000000"], TrialFiles.CheckpointFolders(grid[0].Path));
        Assert.Equal([null, "checkpoint_000000", null],
            TrialFiles.ResultLines(grid[0].Path).Select(l => l[ResultFields.CheckpointDirName]?.GetValue<string>()));
        Assert.Equal("2", grid[0].Checkpoint!.Read(dir => File.ReadAllText(Path.Combine(dir, "state.txt"))));
    }

    private sealed class ForcedCheckpointTrainable(ConcurrentQueue<string> log) : Trainable
    {
        private int _step;

        public override Metrics Step()
        {
            _step++;
            var metrics = new Metrics { ["score"] = (double)_step };
            if (_step == 2)
                metrics[ResultFields.ShouldCheckpoint] = true;
            if (_step == 3)
                metrics[ResultFields.Done] = true;
            return metrics;
        }

        public override void SaveCheckpoint(string checkpointDirectory)
        {
            log.Enqueue($"save {_step}");
            File.WriteAllText(Path.Combine(checkpointDirectory, "state.txt"), _step.ToString());
        }
    }

    /// <summary>Ray's Trainable.train (and its train session) takes a reported time_this_iter_s as the iteration's time
    /// and sums it into time_total_s.</summary>
    [Fact]
    public async Task ReportAsync_WithTimeThisIterS_ThatIsTheIterationTimeAndTheTotalsSumIt()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(async trial =>
        {
            for (int i = 0; i < 3; i++)
                await trial.ReportAsync(new Metrics { ["score"] = i, [ResultFields.TimeThisIterS] = 2.5 });
        }, new SearchSpace(), new TuneConfig(), new RunConfig { StoragePath = temp.Path, Name = "itertime", Verbose = 0 });

        var grid = await tuner.FitAsync();

        var lines = TrialFiles.ResultLines(grid[0].Path);
        Assert.Equal([2.5, 2.5, 2.5], lines.Select(l => l[ResultFields.TimeThisIterS]!.GetValue<double>()));
        Assert.Equal([2.5, 5.0, 7.5], lines.Select(l => l[ResultFields.TimeTotalS]!.GetValue<double>()));
        Assert.Equal([2.5, 5.0, 7.5], lines.Select(l => l[ResultFields.TimeSinceRestore]!.GetValue<double>()));
    }

    /// <summary>Ray's Trainable.train times step() alone: Setup, LoadCheckpoint and SaveCheckpoint are not an iteration's time.</summary>
    [Fact]
    public async Task FitAsync_ClassTrainable_IterationTimeIsTheStepsOwn()
    {
        using var temp = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new ClockedTrainable(clock), "Clocked"),
            new SearchSpace(), new TuneConfig(),
            new RunConfig
            {
                StoragePath = temp.Path, Name = "clocked", Verbose = 0, TimeProvider = clock,
                CheckpointConfig = new CheckpointConfig { CheckpointFrequency = 1 },
            });

        var grid = await tuner.FitAsync();

        var lines = TrialFiles.ResultLines(grid[0].Path);
        Assert.Equal([1.0, 1.0, 1.0], lines.Select(l => l[ResultFields.TimeThisIterS]!.GetValue<double>()));
        Assert.Equal(3.0, lines[^1][ResultFields.TimeTotalS]!.GetValue<double>());
    }

    private sealed class ClockedTrainable(FakeTimeProvider clock) : Trainable
    {
        private int _step;

        public override void Setup(Config config) => clock.Advance(TimeSpan.FromSeconds(100)); // loading data, say

        public override Metrics Step()
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            return new Metrics { ["score"] = (double)++_step, [ResultFields.Done] = _step == 3 };
        }

        public override void SaveCheckpoint(string checkpointDirectory) => clock.Advance(TimeSpan.FromSeconds(10));
    }
    /// <summary>A scheduler's save request (Ray's SaveAndContinue) checkpoints the state after the last step; a stop that comes
    /// before the next step, with CheckpointAtEnd, finds that state saved already and must not save it a second time.</summary>
    [Fact]
    public async Task FitAsync_StopAfterASchedulerRequestedSave_WithCheckpointAtEnd_SavesThatStateOnce()
    {
        using var temp = new TempDirectory();
        var log = new ConcurrentQueue<string>();
        var stopper = new FlagStopper();
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new SaveThenStopTrainable(log, stopper), "SaveThenStop"),
            new SearchSpace(), new TuneConfig { Scheduler = new SaveAtSecondResult() },
            new RunConfig
            {
                StoragePath = temp.Path, Name = "savethenstop", Verbose = 0, Stop = stopper,
                CheckpointConfig = new CheckpointConfig { CheckpointAtEnd = true },
            });

        var grid = await tuner.FitAsync();

        Assert.Equal(["save 2"], log);
        Assert.Single(TrialFiles.CheckpointFolders(grid[0].Path));
    }

    private sealed class SaveAtSecondResult : TuneSharp.Schedulers.ITrialScheduler
    {
        public void Setup(string? metric, Mode? mode, int? seed) { }
        public TuneSharp.Schedulers.TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) =>
            trial.Iteration == 2 ? TuneSharp.Schedulers.TrialDecision.SaveAndContinue : TuneSharp.Schedulers.TrialDecision.Continue;
    }

    /// <summary>Ends the experiment (checked on the controller's tick) once raised.</summary>
    private sealed class FlagStopper : Stopper
    {
        public volatile bool Raised;
        public override bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result) => false;
        public override bool ShouldStopAll() => Raised;
    }

    private sealed class SaveThenStopTrainable(ConcurrentQueue<string> log, FlagStopper stopper) : Trainable
    {
        private int _step;

        public override Metrics Step() => new() { ["score"] = (double)++_step };

        public override void SaveCheckpoint(string checkpointDirectory)
        {
            // The requested save: the experiment is stopped while it is written, so the stop is there before the next step.
            stopper.Raised = true;
            Trial.CancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            log.Enqueue($"save {_step}");
            File.WriteAllText(Path.Combine(checkpointDirectory, "state.txt"), _step.ToString());
        }
    }
}
