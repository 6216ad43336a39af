using System.Collections.Concurrent;
using TuneSharp.Results;
using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.Execution;

/// <summary>TrialDecision.Pause and TrialDecision.Restart, driven by a scripted scheduler.</summary>
public class SchedulerDecisionTests
{
    /// <summary>Answers results with <c>decide</c> and records which waiting trials it was offered.</summary>
    private sealed class ScriptedScheduler(Func<TrialInfo, IReadOnlyDictionary<string, object?>, TrialDecision> decide) : ITrialScheduler
    {
        public ConcurrentQueue<(string TrialId, TrialStatus Status)> Offered { get; } = new();
        public Dictionary<string, TrialInfo> Completed { get; } = new();

        public void Setup(string? metric, Mode? mode, int? seed) { }

        public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) => decide(trial, result);

        public void OnTrialComplete(TrialInfo trial, IReadOnlyDictionary<string, object?>? result) => Completed[trial.TrialId] = trial;

        public ConcurrentQueue<(long Iteration, string Path)> Checkpoints { get; } = new();

        public void OnTrialCheckpoint(TrialInfo trial, string checkpointPath) => Checkpoints.Enqueue((trial.Iteration, checkpointPath));

        public TrialInfo? ChooseTrialToRun(IReadOnlyList<TrialInfo> waiting)
        {
            foreach (TrialInfo trial in waiting)
                Offered.Enqueue((trial.TrialId, trial.Status));
            return waiting.FirstOrDefault(t => t.Status == TrialStatus.Pending) ?? waiting.FirstOrDefault(t => t.Status == TrialStatus.Paused);
        }
    }

    [Fact]
    public async Task FitAsync_SchedulerThrows_FailsWithItsErrorAndReleasesTheWaitingTrial()
    {
        using var temp = new TempDirectory();
        var scheduler = new ScriptedScheduler((trial, _) =>
            trial.Iteration == 2 ? throw new InvalidOperationException("scheduler bug") : TrialDecision.Continue);
        var exited = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tuner = new Tuner(async trial =>
        {
            try
            {
                for (int i = 0; i < 1000; i++)
                    await trial.ReportAsync(new Metrics { ["score"] = i });
                exited.TrySetResult(null);
            }
            catch (Exception e)
            {
                exited.TrySetResult(e);
                throw;
            }
        }, new SearchSpace(), new TuneConfig { Scheduler = scheduler }, new RunConfig { StoragePath = temp.Path, Name = "bug", Verbose = 0 });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => tuner.FitAsync());

        Assert.Equal("scheduler bug", error.Message);
        // The trial whose report was being handled is not left waiting for an answer forever.
        var finished = await Task.WhenAny(exited.Task, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.Same(exited.Task, finished);
        Assert.IsType<TrialStoppedException>(await exited.Task);
    }

    private static int ReadStep(Checkpoint? checkpoint) =>
        checkpoint?.Read(dir => int.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")))) ?? 0;

    [Fact]
    public async Task FitAsync_SchedulerPauses_TrialResumesFromItsCheckpointWithIterationsContinuing()
    {
        using var temp = new TempDirectory();
        bool paused = false;
        var scheduler = new ScriptedScheduler((trial, result) =>
        {
            if (paused || trial.Iteration != 2)
                return TrialDecision.Continue;
            paused = true;
            return TrialDecision.Pause;
        });
        var starts = new ConcurrentQueue<(long Iteration, int Step)>();
        TrialStoppedException? pauseSeen = null;
        var tuner = new Tuner(async trial =>
        {
            int step = ReadStep(trial.GetCheckpoint());
            starts.Enqueue((trial.Iteration, step));
            try
            {
                while (step < 5)
                {
                    int s = ++step;
                    await trial.ReportAsync(new Metrics { ["step"] = s },
                        Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
                }
            }
            catch (TrialStoppedException e)
            {
                pauseSeen = e;
                throw;
            }
        }, new SearchSpace(), new TuneConfig { Scheduler = scheduler, AvailableResources = new Resources { Cpu = 1 } },
        new RunConfig { StoragePath = temp.Path, Name = "pause", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(TrialStopReason.Pause, pauseSeen!.Reason);
        string id = grid[0].TrialId;
        Assert.Contains((id, TrialStatus.Paused), scheduler.Offered);
        Assert.Equal([(0L, 0), (2L, 2)], starts);
        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.Equal([1L, 2, 3, 4, 5], TrialFiles.Column(grid[0].Path, ResultFields.TrainingIteration));
        Assert.Equal([1L, 2, 1, 2, 3], TrialFiles.Column(grid[0].Path, ResultFields.IterationsSinceRestore));
        Assert.Equal([1L, 2, 3, 4, 5], TrialFiles.Column(grid[0].Path, "step"));
    }

    [Fact]
    public async Task FitAsync_ClassTrainablePaused_SavesThenLoadsItsCheckpoint()
    {
        using var temp = new TempDirectory();
        bool paused = false;
        var scheduler = new ScriptedScheduler((trial, _) =>
        {
            if (paused || trial.Iteration != 2)
                return TrialDecision.Continue;
            paused = true;
            return TrialDecision.Pause;
        });
        var log = new ConcurrentQueue<string>();
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new TrainableApiTests.CountingTrainable(log), "Counting"),
            new SearchSpace { ["lr"] = 1.0 }, new TuneConfig { Scheduler = scheduler },
            new RunConfig { StoragePath = temp.Path, Name = "classpause", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(["setup lr=1", "step 1", "step 2", "save 2", "cleanup",
            "setup lr=1", "load 2", "step 3", "step 4", "step 5", "cleanup"], log);
        Assert.Equal([1L, 2, 3, 4, 5], TrialFiles.Column(grid[0].Path, ResultFields.TrainingIteration));
        Assert.Equal(5.0, grid[0].GetMetric("score"));
    }

    [Fact]
    public async Task FitAsync_SchedulerRestarts_TrialContinuesFromAnotherTrialsCheckpointWithTheNewConfig()
    {
        using var temp = new TempDirectory();
        bool restarted = false;
        ScriptedScheduler scheduler = null!;
        scheduler = new ScriptedScheduler((trial, _) =>
        {
            if (restarted || trial.Index != 1 || trial.Iteration != 2)
                return TrialDecision.Continue;
            restarted = true;
            string source = scheduler.Completed.Values.Single(t => t.Index == 0).LatestCheckpoint!;
            return TrialDecision.Restart(trial.Config.With("x", 99L), source);
        });
        var starts = new ConcurrentQueue<(int Index, long X, string? Owner, long Iteration)>();
        var tuner = new Tuner(async trial =>
        {
            var checkpoint = trial.GetCheckpoint();
            string? owner = checkpoint?.Read(dir => File.ReadAllText(Path.Combine(dir, "owner.txt")));
            int step = ReadStep(checkpoint);
            long x = trial.Config.Get<long>("x");
            starts.Enqueue((trial.TrialId.EndsWith("_00000") ? 0 : 1, x, owner, trial.Iteration));
            for (int i = 0; i < 3; i++) // three reports per run, from wherever the checkpoint left off
            {
                int s = ++step;
                string me = trial.TrialId;
                await trial.ReportAsync(new Metrics { ["step"] = s, ["score"] = x * s },
                    Checkpoint.FromDirectory(dir =>
                    {
                        File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString());
                        File.WriteAllText(Path.Combine(dir, "owner.txt"), me);
                    }));
            }
        }, new SearchSpace { ["x"] = Tune.GridSearch(1, 2) },
        new TuneConfig { Scheduler = scheduler, AvailableResources = new Resources { Cpu = 1 } },
        new RunConfig { StoragePath = temp.Path, Name = "restart", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Result first = grid[0], second = grid[1];
        Assert.Equal([(0, 1L, null, 0L), (1, 2L, null, 0L), (1, 99L, first.TrialId, 3L)], starts);
        Assert.Equal(99L, second.Config.Get<long>("x"));
        Assert.Contains("\"x\": 99", File.ReadAllText(Path.Combine(second.Path, "params.json")));
        // Its own two results, then it continues at the source checkpoint's iteration (3) with steps 4, 5, 6.
        Assert.Equal([1L, 2, 4, 5, 6], TrialFiles.Column(second.Path, ResultFields.TrainingIteration));
        Assert.Equal([1L, 2, 4, 5, 6], TrialFiles.Column(second.Path, "step"));
        Assert.Equal(99.0 * 6, second.GetMetric("score"));
        // The copied checkpoint is the trial's own next checkpoint; the source keeps its own.
        string copy = Path.Combine(second.Path, "checkpoint_000002");
        Assert.Equal(first.TrialId, File.ReadAllText(Path.Combine(copy, "owner.txt")));
        Assert.Equal(["checkpoint_000000", "checkpoint_000001", "checkpoint_000002"], TrialFiles.CheckpointFolders(first.Path));
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
    }

    [Fact]
    public async Task FitAsync_SchedulerRestartsFromACheckpointThatNoLongerExists_TrialGoesOnFromItsOwnWithTheNewConfig()
    {
        using var temp = new TempDirectory();
        bool restarted = false;
        var scheduler = new ScriptedScheduler((trial, _) =>
        {
            if (restarted || trial.Iteration != 2)
                return TrialDecision.Continue;
            restarted = true;
            return TrialDecision.Restart(trial.Config.With("x", 99L), Path.Combine(temp.Path, "gone", "checkpoint_000003"));
        });
        var tuner = new Tuner(async trial =>
        {
            int step = ReadStep(trial.GetCheckpoint());
            long x = trial.Config.Get<long>("x");
            while (step < 4)
            {
                int s = ++step;
                await trial.ReportAsync(new Metrics { ["step"] = s, ["score"] = x * s },
                    Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
            }
        }, new SearchSpace { ["x"] = 1L },
        new TuneConfig { Scheduler = scheduler },
        new RunConfig { StoragePath = temp.Path, Name = "gone", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.Equal([1L, 2, 3, 4], TrialFiles.Column(grid[0].Path, "step")); // on from its own step 2
        Assert.Equal(99.0 * 4, grid[0].GetMetric("score"));
    }

    [Fact]
    public async Task FitAsync_ResultMarkedDone_EndsTheTrialWithoutAskingTheScheduler()
    {
        // A scheduler that pauses on every result would resume a finished trainable past its end, were it asked.
        using var temp = new TempDirectory();
        var seen = new ConcurrentQueue<object?>();
        var scheduler = new ScriptedScheduler((_, result) =>
        {
            seen.Enqueue(result[ResultFields.Done]);
            return Convert.ToInt64(result[ResultFields.TrainingIteration]) < 5 ? TrialDecision.Pause : TrialDecision.Stop;
        });
        var log = new ConcurrentQueue<string>();
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new TrainableApiTests.CountingTrainable(log, doneAt: 3), "Counting"),
            new SearchSpace { ["lr"] = 1.0 }, new TuneConfig { Scheduler = scheduler },
            new RunConfig { StoragePath = temp.Path, Name = "done", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.Equal(3L, grid[0].Metrics[ResultFields.TrainingIteration]);
        Assert.Equal(3, log.Count(l => l.StartsWith("step", StringComparison.Ordinal)));
        Assert.Equal([false, false], seen);                       // the done result went to OnTrialComplete instead
        Assert.Equal(3L, scheduler.Completed.Values.Single().Iteration);
    }

    [Fact]
    public async Task FitAsync_SaveAndContinue_SavesAClassTrainableAndTellsTheScheduler()
    {
        using var temp = new TempDirectory();
        var scheduler = new ScriptedScheduler((trial, _) => trial.Iteration == 2 ? TrialDecision.SaveAndContinue : TrialDecision.Continue);
        var log = new ConcurrentQueue<string>();
        var tuner = new Tuner(TrainableDefinition.FromClass(() => new TrainableApiTests.CountingTrainable(log, doneAt: 4), "Counting"),
            new SearchSpace { ["lr"] = 1.0 }, new TuneConfig { Scheduler = scheduler },
            new RunConfig { StoragePath = temp.Path, Name = "save", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(["setup lr=1", "step 1", "step 2", "save 2", "step 3", "step 4", "cleanup"], log);
        var (iteration, path) = Assert.Single(scheduler.Checkpoints);
        Assert.Equal(2L, iteration);
        Assert.Equal("2", File.ReadAllText(Path.Combine(path, "state.txt")));
        Assert.Equal(4L, grid[0].Metrics[ResultFields.TrainingIteration]);
    }
    /// <summary>Pauses the trial at its second result, then, offered it paused, reallocates it to <c>resources</c>.</summary>
    private sealed class ReallocateWhilePaused(Resources resources) : ITrialScheduler
    {
        private readonly List<KeyValuePair<string, TrialDecision>> _decisions = new();
        private bool _paused, _reallocated;

        public void Setup(string? metric, Mode? mode, int? seed) { }

        public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
        {
            if (_paused || trial.Iteration != 2)
                return TrialDecision.Continue;
            _paused = true;
            return TrialDecision.Pause;
        }

        public TrialInfo? ChooseTrialToRun(IReadOnlyList<TrialInfo> waiting)
        {
            if (!_reallocated && waiting.FirstOrDefault(t => t.Status == TrialStatus.Paused) is { } paused)
            {
                _reallocated = true;
                _decisions.Add(new(paused.TrialId, TrialDecision.Reallocate(resources)));
                return null;
            }
            return waiting.FirstOrDefault();
        }

        public IReadOnlyList<KeyValuePair<string, TrialDecision>> TakeDecisions()
        {
            var taken = _decisions.ToList();
            _decisions.Clear();
            return taken;
        }
    }

    /// <summary>A reallocation of a waiting trial is checked as one of a running trial: more CPUs than exist could never be
    /// placed, and the experiment would wait for it forever.</summary>
    [Fact]
    public async Task FitAsync_SchedulerReallocatesAPausedTrialBeyondTheCapacity_FailsNamingTheReallocation()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(async trial =>
        {
            int start = ReadStep(trial.GetCheckpoint());
            for (int step = start + 1; step <= 4; step++)
            {
                int s = step;
                await trial.ReportAsync(new Metrics { ["score"] = s },
                    Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
            }
        }, new SearchSpace(),
            new TuneConfig { Scheduler = new ReallocateWhilePaused(new Resources { Cpu = 5 }), AvailableResources = new Resources { Cpu = 2 } },
            new RunConfig { StoragePath = temp.Path, Name = "realloc", Verbose = 0 });

        // Bounded only so that the failing case (the experiment waiting forever) ends the test.
        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync().WaitAsync(TimeSpan.FromMinutes(2)));

        Assert.Contains("reallocation of trial", error.Message);
        Assert.Contains("asks for 5 CPUs", error.Message);
    }
}
