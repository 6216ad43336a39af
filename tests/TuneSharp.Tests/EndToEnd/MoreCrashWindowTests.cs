using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>
/// More crash windows found by kill -9 fuzzing (its third round) and by reading the code. A crash is simulated as in
/// <see cref="CrashWindowTests"/>: the experiment state file is copied at a chosen moment and put back after the run.
/// </summary>
public class MoreCrashWindowTests
{
    /// <summary>Counts to 10; its Cleanup is slow (closing a data loader, flushing a model: anything slow after the
    /// last step): it lasts until a snapshot has been taken while it winds down, then copies the state file, as a crash
    /// at that moment would leave it.</summary>
    private sealed class SlowCleanup : Trainable
    {
        public static volatile bool Slow = true;
        public static string? Experiment;
        public static StateFileCopy? Copy;
        private long _step;

        /// <summary>The next run's cleanups are slow and copy the snapshot of <paramref name="experiment"/> meanwhile.</summary>
        public static TrainableDefinition Arm(string experiment)
        {
            (Experiment, Copy, Slow) = (experiment, null, true);
            return TrainableDefinition.FromClass<SlowCleanup>();
        }

        public override Metrics Step() { _step++; return new Metrics { ["score"] = (double)_step, ["done"] = _step >= 10 }; }
        public override void SaveCheckpoint(string dir) => File.WriteAllText(Path.Combine(dir, "step.txt"), _step.ToString());
        public override void LoadCheckpoint(string dir) => _step = long.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")));
        public override void Cleanup()
        {
            if (!Slow || Copy is not null)
                return;
            // Until a snapshot has seen the trial told to stop and still running (its "ending" mark), rather than for a
            // fixed 1.5 s: on a loaded machine snapshots come further apart (up to 19 times what one takes), and a
            // window with none in it would leave the snapshot before the stop, which tests nothing.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            StateFileCopy? copy;
            while (((copy = StateFileCopy.Take(Experiment!)) is null || !System.Text.Encoding.UTF8.GetString(copy.Bytes).Contains("\"ending\""))
                   && waited.Elapsed < TimeSpan.FromSeconds(60))
                Thread.Sleep(20);
            Copy = copy;
        }
    }

    [Fact]
    public async Task StoppedTrialStillWindingDown_SnapshotASecondLater_CrashThenRestore_StaysStopped()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "winddown");
        var trainable = SlowCleanup.Arm(experiment);
        var space = new SearchSpace { ["x"] = 1 };
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max };
        // The stopper ends the trial at 3 (its line says done); the trial is RUNNING while its Cleanup lasts, and the
        // periodic snapshots taken meanwhile say so. (The default 2 s interval gives the same, with a longer Cleanup.)
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "winddown", Verbose = 0,
            Stop = new() { ["training_iteration"] = 3 }, StateSnapshotInterval = TimeSpan.FromMilliseconds(200),
            CheckpointConfig = new CheckpointConfig { CheckpointFrequency = 1 } };
        await new Tuner(trainable, space, tuneConfig, runConfig).FitAsync();
        SlowCleanup.Slow = false;
        SlowCleanup.Copy!.PutBack();
        Assert.Contains("\"RUNNING\"", File.ReadAllText(SlowCleanup.Copy.File)); // the disk as the crash left it

        var grid = await Tuner.Restore(experiment, trainable, space, tuneConfig, runConfig).FitAsync();

        var iterations = grid[0].ReadHistory().Select(r => Convert.ToInt64(r["training_iteration"])).ToList();
        Assert.Equal([1L, 2, 3], iterations); // was [1, 2, 3, 4]: the stopped trial ran again, past its stop
    }

    [Fact]
    public async Task OrphanOfAnEarlierCrashWithAnotherConfig_DoesNotKeepTheSuggestedTrialFromTakingItsFolderBack()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "orphans");
        TuneConfig Tune1() => new() { Metric = "score", Mode = Mode.Max, NumSamples = 2, Seed = 1,
            SearchAlg = new ConcurrencyLimiter(new TpeSearch { Seed = 1 }, 1) };
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        StateFileCopy? copy = null;
        var copier = new CopyAt(experiment, (t, r) => t.Index == 1 && Convert.ToInt64(r["training_iteration"]) == 3, c => copy = c);
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "orphans", Verbose = 0, StateSnapshotInterval = TimeSpan.FromMinutes(10) };
        var first = await new Tuner(t => CheckpointedCounter.Run(t, 3), space, Tune1(), runConfig with { Callbacks = [copier] }).FitAsync();
        string secondFolder = first[1].Path;
        copy!.PutBack();
        // An earlier crash (before this one) left a folder for the same trial with a config the searcher, resumed from a
        // snapshot and fed other results, no longer suggests (TPE after its startup trials; kill -9 fuzzing, tpe_fn). Its name
        // sorts first.
        string folderName = Path.GetFileName(secondFolder);
        string trialName = folderName[..folderName.IndexOf("_1_", StringComparison.Ordinal)];
        string stale = Directory.CreateDirectory(Path.Combine(experiment, trialName + "_1_x=0.0000_2000-01-01_00-00-00")).FullName;
        File.WriteAllText(Path.Combine(stale, "params.json"), "{\n  \"x\": 0.0\n}");

        var grid = await Tuner.Restore(experiment, t => CheckpointedCounter.Run(t, 3), space, Tune1(), runConfig).FitAsync();

        // Before, the stale folder was the only one looked at: the trial started over in a third folder, and the three
        // results in its own were left out of the experiment (tpe_fn: up to 4 such folders for one trial, 5 lines lost).
        Assert.Equal(secondFolder, grid[1].Path);
        Assert.Equal([1L, 2, 3], grid[1].ReadHistory().Select(r => Convert.ToInt64(r["training_iteration"])));
    }

    /// <summary>Pauses the trial at iteration 3 and, in the same breath, stops it (as HyperBand does when a round
    /// completes while a trial it paused is still saving/winding down: ProcessBracket → StopWaiting → TakeDecisions).</summary>
    private sealed class PauseThenStop : ITrialScheduler
    {
        public static bool Active = true;
        private readonly List<KeyValuePair<string, TrialDecision>> _stops = [];
        public void Setup(string? metric, Mode? mode, int? seed) { }
        public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
        {
            if (Active && Convert.ToInt64(result["training_iteration"]) == 3)
            {
                _stops.Add(KeyValuePair.Create(trial.TrialId, TrialDecision.Stop));
                return TrialDecision.Pause;
            }
            return TrialDecision.Continue;
        }
        public IReadOnlyList<KeyValuePair<string, TrialDecision>> TakeDecisions()
        {
            var s = _stops.ToList();
            _stops.Clear();
            return s;
        }
    }

    [Fact]
    public async Task TrialStoppedByTheSchedulerWhilePausing_CrashWhileWindingDown_StaysStopped()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "winddown2");
        PauseThenStop.Active = true;
        var trainable = SlowCleanup.Arm(experiment);
        var space = new SearchSpace { ["x"] = 1 };
        TuneConfig Tc() => new() { Metric = "score", Mode = Mode.Max, Scheduler = new PauseThenStop() };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "winddown2", Verbose = 0,
            StateSnapshotInterval = TimeSpan.FromMilliseconds(200), CheckpointConfig = new CheckpointConfig { CheckpointFrequency = 1 } };
        var firstGrid = await new Tuner(trainable, space, Tc(), runConfig).FitAsync();
        Assert.Equal(TrialStatus.Terminated, firstGrid[0].Status); // the clean run: stopped at 3
        Assert.Equal(3, firstGrid[0].ReadHistory().Count);
        SlowCleanup.Slow = false;
        PauseThenStop.Active = false; // the restored scheduler state no longer tracks it (HyperBand removed it from its bracket)
        SlowCleanup.Copy!.PutBack();
        string state = File.ReadAllText(SlowCleanup.Copy.File);
        Assert.Contains("\"RUNNING\"", state);
        Assert.Contains("\"ending\"", state);

        var grid = await Tuner.Restore(experiment, trainable, space, Tc(), runConfig).FitAsync();

        Assert.Equal([1L, 2, 3], grid[0].ReadHistory().Select(r => Convert.ToInt64(r["training_iteration"])));
    }

    /// <summary>Pauses every trial at its first result, once: its slot frees without any trial ending.</summary>
    private sealed class PauseAtFirstResult : ITrialScheduler
    {
        private readonly HashSet<string> _paused = [];
        public void Setup(string? metric, Mode? mode, int? seed) { }
        public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) =>
            _paused.Add(trial.TrialId) ? TrialDecision.Pause : TrialDecision.Continue;
    }

    [Fact]
    public async Task TrialMadeWithoutAnyEnding_IsInASnapshotSoon()
    {
        // A model-based searcher is asked for a trial when a slot frees, here by a pause: no trial ends, and before, the
        // trial waited for the periodic snapshot (20 s here) to be known, its folder lost to a crash until then.
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "made");
        var release = new TaskCompletionSource();
        var tuner = new Tuner(async trial =>
            {
                await trial.ReportAsync(new Metrics { ["score"] = 1.0 });
                await release.Task.WaitAsync(trial.CancellationToken);
                await trial.ReportAsync(new Metrics { ["score"] = 2.0 });
            },
            new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
            new TuneConfig
            {
                Metric = "score", Mode = Mode.Max, NumSamples = 2, MaxConcurrentTrials = 1, SearchAlg = new TpeSearch { Seed = 1 },
                Scheduler = new PauseAtFirstResult(),
            },
            new RunConfig { StoragePath = temp.Path, Name = "made", Verbose = 0, StateSnapshotInterval = TimeSpan.FromSeconds(20) });

        Task<TuneSharp.Results.ResultGrid> fit = tuner.FitAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int known = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(15) && known < 2) // less than the 20 s interval; a loaded start is slow
        {
            await Task.Delay(50);
            known = StateFileCopy.Take(experiment) is { } copy
                ? System.Text.Json.Nodes.JsonNode.Parse(copy.Bytes)!["trials"]!.AsArray().Count : 0;
        }
        release.SetResult();
        await fit;

        Assert.Equal(2, known); // within the tenth of the interval (2 s), well before the 20 s
    }
}
