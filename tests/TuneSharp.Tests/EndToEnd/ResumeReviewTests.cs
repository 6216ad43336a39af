using System.Text.Json.Nodes;
using TuneSharp.Reporting;
using TuneSharp.Schedulers;
using TuneSharp.Search;
using TuneSharp.Tests.EndToEnd;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>Crash windows and status-view cases a review of the crash fixes found.</summary>
public class ResumeReviewTests
{
    private static async Task TwoSteps(TrialContext trial)
    {
        long step = trial.GetCheckpoint()?.Read(dir => long.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")))) ?? 0;
        while (step < 2)
        {
            step++;
            long s = step;
            await trial.ReportAsync(new Metrics { ["score"] = trial.Config.Get<double>("x") + s },
                Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
        }
    }

    private sealed class FirstStateCopy(string experiment) : TuneCallback
    {
        private StateFileCopy? _copy;
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) =>
            _copy ??= StateFileCopy.Take(experiment);
        public void PutBack() => _copy!.PutBack();
    }

    /// <summary>A trial name holding a character folder names do not (a space): its folder's name is sanitized, the
    /// orphan prefix is not, and no trial takes its folder back.</summary>
    [Fact]
    public async Task Orphans_WithATrialNameThatIsSanitizedInTheFolderName_AreTakenBack()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "orphans");
        var space = new SearchSpace { ["x"] = Tune.GridSearch(Enumerable.Range(0, 5).Select(i => (object?)(double)i).ToArray()) };
        var tuneConfig = new TuneConfig
        {
            Metric = "score", Mode = Mode.Max, MaxPendingTrials = 1, MaxConcurrentTrials = 1,
            TrialNameCreator = t => $"my trial {t.TrialId}",
        };
        var copier = new FirstStateCopy(experiment);
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "orphans", Verbose = 0, StateSnapshotInterval = TimeSpan.FromMinutes(10) };
        var first = await new Tuner(t => TwoSteps(t), space, tuneConfig, runConfig with { Callbacks = [copier] }).FitAsync();
        var folders = first.Select(r => r.Path).ToList();
        copier.PutBack();
        var stateFile = Directory.GetFiles(experiment, "experiment_state-*.json").Single();
        var trialsInSnapshot = JsonNode.Parse(File.ReadAllText(stateFile))!["trials"]!.AsArray().Count;
        Assert.True(trialsInSnapshot < 5, $"snapshot holds {trialsInSnapshot}");
        await Task.Delay(1100); // a restore comes later than the crash: the folder names' dates differ

        var grid = await Tuner.Restore(experiment, t => TwoSteps(t), space, tuneConfig, runConfig).FitAsync();

        Assert.Equal(5, Directory.GetDirectories(experiment).Length);
        Assert.Equal(folders, grid.Select(r => r.Path));
    }

    /// <summary>An orphan whose trial was exploited by PBT after the snapshot: params.json holds the explored config
    /// (TuneController.Apply writes it at once), the searcher suggests the original one again.</summary>
    [Fact]
    public async Task OrphanOfAnExploitedTrial_IsTakenBackByItsTrial()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "exploited");
        var space = new SearchSpace { ["x"] = Tune.GridSearch(0.0, 1.0, 2.0) };
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max, MaxPendingTrials = 1, MaxConcurrentTrials = 1 };
        var copier = new FirstStateCopy(experiment);
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "exploited", Verbose = 0, StateSnapshotInterval = TimeSpan.FromMinutes(10) };
        var first = await new Tuner(t => TwoSteps(t), space, tuneConfig, runConfig with { Callbacks = [copier] }).FitAsync();
        copier.PutBack();
        // As a PBT exploit of trial 2 would have left its folder: params.json rewritten with the explored config.
        File.WriteAllText(Path.Combine(first[2].Path, "params.json"), "{\n  \"x\": 2.5\n}");

        var grid = await Tuner.Restore(experiment, t => TwoSteps(t), space, tuneConfig, runConfig).FitAsync();

        Assert.Equal(first[2].Path, grid[2].Path);
        Assert.Equal(3, Directory.GetDirectories(experiment).Length);
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

    private sealed class SlowCleanup : Trainable
    {
        public static volatile bool Slow = true;
        public static string? Experiment;
        public static StateFileCopy? Copy;
        private long _step;
        public override Metrics Step() { _step++; return new Metrics { ["score"] = (double)_step, ["done"] = _step >= 10 }; }
        public override void SaveCheckpoint(string dir) => File.WriteAllText(Path.Combine(dir, "step.txt"), _step.ToString());
        public override void LoadCheckpoint(string dir) => _step = long.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")));
        public override void Cleanup()
        {
            if (!Slow || Copy is not null)
                return;
            Thread.Sleep(1500);
            Copy = StateFileCopy.Take(Experiment!);
        }
    }

    [Fact]
    public async Task TrialStoppedByTheSchedulerWhilePausing_CrashWhileWindingDown_StaysStopped()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "winddown2");
        SlowCleanup.Experiment = experiment;
        SlowCleanup.Copy = null;
        SlowCleanup.Slow = true;
        PauseThenStop.Active = true;
        var trainable = TrainableDefinition.FromClass<SlowCleanup>();
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
}

/// <summary>SortByMetric picks the rows before they are cut to MaxProgressRows.</summary>
public class SortedStatusRowsTests
{
    [Fact]
    public async Task SortByMetric_WithFewerRowsThanTrials_ShowsTheBestTrial()
    {
        using var temp = new TempDirectory();
        var writer = new StringWriter();
        var reporter = new CliReporter { MaxProgressRows = 2, SortByMetric = true };
        var space = new SearchSpace { ["x"] = Tune.GridSearch(5.0, 1.0, 2.0, 3.0, 4.0) };
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max, MaxConcurrentTrials = 1 };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "sorted", Verbose = 0, ProgressReporter = reporter,
            Callbacks = [new ConsoleStatusReporter(1, reporter, writer)] };
        var grid = await new Tuner(async t => await t.ReportAsync(new Metrics { ["score"] = t.Config.Get<double>("x") }),
            space, tuneConfig, runConfig).FitAsync();
        string final = writer.ToString().Split("== Tune Status ==").Last();
        Assert.Contains(final.Split('\n'), l => l.StartsWith(grid[4].TrialName + " ", StringComparison.Ordinal)); // sanity: the format
        // Ray's sort_by_metric sorts the terminated trials before it cuts them to max_progress_rows: the best is shown.
        Assert.Contains(final.Split('\n'), l => l.StartsWith(grid.GetBestResult().TrialName + " ", StringComparison.Ordinal));
    }
}
