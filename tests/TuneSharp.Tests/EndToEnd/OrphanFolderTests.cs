using System.Text.Json.Nodes;
using TuneSharp.Reporting;
using TuneSharp.Results;
using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>Trial folders made after the last snapshot, taken back at a restore by the trials they belong to.</summary>
public class OrphanFolderTests
{
    /// <summary>Keeps the state file as it is at the first result: the trials created after it are orphans after PutBack.</summary>
    private sealed class FirstStateCopy(string experiment) : TuneCallback
    {
        private StateFileCopy? _copy;
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) =>
            _copy ??= StateFileCopy.Take(experiment);
        public void PutBack() => _copy!.PutBack();
    }

    /// <summary>Runs the experiment to its end with snapshots 10 minutes apart, then puts back the snapshot taken at its
    /// first result: the folder as a crash early on leaves it, every trial made later an orphan.</summary>
    private static async Task<(RunConfig RunConfig, ResultGrid First)> RunThenCrashEarly(TempDirectory temp, string name,
        Func<TrialContext, Task> trainable, SearchSpace space, TuneConfig tuneConfig)
    {
        var copier = new FirstStateCopy(Path.Combine(temp.Path, name));
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = name, Verbose = 0, StateSnapshotInterval = TimeSpan.FromMinutes(10) };
        var first = await new Tuner(trainable, space, tuneConfig, runConfig with { Callbacks = [copier] }).FitAsync();
        copier.PutBack();
        return (runConfig, first);
    }

    [Fact]
    public async Task Orphans_WithAConstantTrialName_AreEachTakenBackByTheirOwnTrial()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "orphans");
        var space = new SearchSpace { ["x"] = Tune.GridSearch(Enumerable.Range(0, 11).Select(i => (object?)(double)i).ToArray()) };
        // A name shared by every trial (Ray allows it: the folder names stay unique).
        var tuneConfig = new TuneConfig
        {
            Metric = "score", Mode = Mode.Max, MaxPendingTrials = 1, MaxConcurrentTrials = 1,
            TrialNameCreator = _ => "trial",
        };
        // A crash early on: most trials were made after the snapshot put back.
        var (runConfig, first) = await RunThenCrashEarly(temp, "orphans", t => CheckpointedCounter.Run(t, 2), space, tuneConfig);
        var folders = first.Select(r => r.Path).ToList();

        var grid = await Tuner.Restore(experiment, t => CheckpointedCounter.Run(t, 2), space, tuneConfig, runConfig).FitAsync();

        Assert.Equal(11, grid.Count);
        // Every trial takes its own folder back, as with default names; none reruns in a new folder.
        Assert.Equal(11, Directory.GetDirectories(experiment).Length);
        Assert.Equal(folders, grid.Select(r => r.Path));
    }

    private static async Task FailsAtTwo(TrialContext trial, bool fail)
    {
        long step = trial.GetCheckpoint()?.Read(dir => long.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")))) ?? 0;
        while (step < 2)
        {
            step++;
            long s = step;
            if (fail && s == 2 && trial.Config.Get<double>("x") == 2)
                throw new InvalidOperationException("failing on purpose");
            await trial.ReportAsync(new Metrics { ["score"] = trial.Config.Get<double>("x") + s },
                Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
        }
    }

    [Fact]
    public async Task OrphanOfATrialThatErrored_IsNotRunAgainWithoutResumeErrored()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "errored");
        var space = new SearchSpace { ["x"] = Tune.GridSearch(0.0, 1.0, 2.0) };
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max, MaxPendingTrials = 1, MaxConcurrentTrials = 1 };
        // The crash came before a snapshot said trial 2 had failed for good.
        var (runConfig, first) = await RunThenCrashEarly(temp, "errored", t => FailsAtTwo(t, fail: true), space, tuneConfig);
        Assert.Equal(TrialStatus.Error, first[2].Status);

        var grid = await Tuner.Restore(experiment, t => FailsAtTwo(t, fail: false), space, tuneConfig, runConfig).FitAsync();

        Assert.Equal(first[2].Path, grid[2].Path); // its folder is taken back ...
        // ... but it had ended in error: as with a snapshot written after the failure, it runs again only with
        // resumeErrored / restartErrored.
        Assert.Equal(TrialStatus.Error, grid[2].Status);
        Assert.Single(grid[2].ReadHistory());
    }

    /// <summary>A trial name holding a character folder names do not (a space): its folder's name is sanitized, and the
    /// trial still finds its folder.</summary>
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
        var (runConfig, first) = await RunThenCrashEarly(temp, "orphans", t => CheckpointedCounter.Run(t, 2), space, tuneConfig);
        var folders = first.Select(r => r.Path).ToList();
        var stateFile = Directory.GetFiles(experiment, "experiment_state-*.json").Single();
        var trialsInSnapshot = JsonNode.Parse(File.ReadAllText(stateFile))!["trials"]!.AsArray().Count;
        Assert.True(trialsInSnapshot < 5, $"snapshot holds {trialsInSnapshot}");
        await Task.Delay(1100); // a restore comes later than the crash: the folder names' dates differ

        var grid = await Tuner.Restore(experiment, t => CheckpointedCounter.Run(t, 2), space, tuneConfig, runConfig).FitAsync();

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
        var (runConfig, first) = await RunThenCrashEarly(temp, "exploited", t => CheckpointedCounter.Run(t, 2), space, tuneConfig);
        // As a PBT exploit of trial 2 would have left its folder: params.json rewritten with the explored config.
        File.WriteAllText(Path.Combine(first[2].Path, "params.json"), "{\n  \"x\": 2.5\n}");

        var grid = await Tuner.Restore(experiment, t => CheckpointedCounter.Run(t, 2), space, tuneConfig, runConfig).FitAsync();

        Assert.Equal(first[2].Path, grid[2].Path);
        Assert.Equal(3, Directory.GetDirectories(experiment).Length);
    }

    [Fact]
    public async Task OrphanFolderLeftEmpty_IsTakenBackByItsTrial()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "empty");
        var space = new SearchSpace { ["x"] = Tune.GridSearch(0.0, 1.0, 2.0) };
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max, MaxPendingTrials = 1, MaxConcurrentTrials = 1 };
        var (runConfig, first) = await RunThenCrashEarly(temp, "empty", t => CheckpointedCounter.Run(t, 2), space, tuneConfig);
        // As a crash leaves the folder the controller made for a starting trial before the trial wrote anything into it.
        foreach (string entry in Directory.EnumerateFileSystemEntries(first[2].Path))
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true); else File.Delete(entry);
        await Task.Delay(1100); // the restore comes later: the folder names' times differ

        var grid = await Tuner.Restore(experiment, t => CheckpointedCounter.Run(t, 2), space, tuneConfig, runConfig).FitAsync();

        Assert.Equal(first[2].Path, grid[2].Path); // was a new "..._1" folder beside the empty one
        Assert.Equal(3, Directory.GetDirectories(experiment).Length);
    }
}
