using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

public class ResumeTests
{
    private const int Steps = 6;

    // Checkpoints every step: the step it reached, so a resumed run continues rather than retrains.
    private static async Task Counter(TrialContext trial, SemaphoreSlim? gate)
    {
        int start = trial.GetCheckpoint()?.Read(dir => int.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")))) + 1 ?? 0;
        for (int step = start; step < Steps; step++)
        {
            if (step == 3 && gate is not null)
                await gate.WaitAsync(trial.CancellationToken); // the "crash" happens while trials wait here
            int s = step;
            await trial.ReportAsync(new Metrics { ["step"] = s, ["score"] = trial.Config.Get<double>("x") },
                Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
        }
    }

    [Fact]
    public async Task Restore_AfterInterruption_ContinuesUnfinishedTrialsFromTheirCheckpoints()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var tuneConfig = new TuneConfig { NumSamples = 3, Metric = "score", Mode = Mode.Max, Seed = 5, AvailableResources = new Resources { Cpu = 3 } };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "resume", Verbose = 0 };
        string experiment = await InterruptAfter(reports: 9, space, tuneConfig, runConfig);

        Assert.True(Tuner.CanRestore(experiment));
        var interrupted = TuneSharp.Results.ResultGrid.FromDirectory(experiment);
        Assert.All(interrupted, r => Assert.Equal(TrialStatus.Pending, r.Status));
        Assert.All(interrupted, r => Assert.Equal(3L, r.Metrics["training_iteration"]));
        // A crash can leave half a line behind; resuming must not be confused by it.
        File.AppendAllText(Path.Combine(interrupted[0].Path, "result.json"), "{\"step\": 3, \"sco");

        var resumed = Tuner.Restore(experiment, async trial => await Counter(trial, null), space, tuneConfig, runConfig);
        var grid = await resumed.FitAsync();

        Assert.Equal(3, grid.Count);
        foreach (var result in grid)
        {
            Assert.Equal(TrialStatus.Terminated, result.Status);
            var history = result.ReadHistory();
            // Steps 0-2 before the interruption, 3-5 after: nothing was retrained.
            Assert.Equal(Enumerable.Range(0, Steps).Select(i => (long)i), history.Select(r => (long)r["step"]!));
            Assert.Equal(Enumerable.Range(1, Steps).Select(i => (long)i), history.Select(r => (long)r["training_iteration"]!));
        }
        Assert.Equal(interrupted.Select(r => r.Config.Get<double>("x")), grid.Select(r => r.Config.Get<double>("x")));
    }

    [Fact]
    public async Task Restore_LastLineNamesACheckpointTheCrashLeftStaged_ContinuesFromTheOneBeforeNumberedAsIt()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = 0.5 };
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "staged", Verbose = 0 };
        string experiment = await InterruptAfter(reports: 3, space, tuneConfig, runConfig);
        string trialPath = TuneSharp.Results.ResultGrid.FromDirectory(experiment)[0].Path;
        // The crash came after step 2's line was written and before its checkpoint was moved into place.
        string last = Path.Combine(trialPath, "checkpoint_000002");
        Directory.Move(last, Path.Combine(trialPath, ".staging_checkpoint_crash"));

        var grid = await Tuner.Restore(experiment, async trial => await Counter(trial, null), space, tuneConfig, runConfig).FitAsync();

        var history = grid[0].ReadHistory();
        // Step 2 is trained again from step 1's checkpoint, and every line keeps training_iteration = step + 1.
        Assert.Equal([0L, 1, 2, 2, 3, 4, 5], history.Select(r => (long)r["step"]!));
        Assert.All(history, r => Assert.Equal((long)r["step"]! + 1, r["training_iteration"]));
        Assert.False(Directory.Exists(Path.Combine(trialPath, ".staging_checkpoint_crash")));
    }

    [Fact]
    public async Task Restore_WithoutTuneConfig_RunsWithTheSavedOneAndItsResultsRankByTheSavedMetric()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var tuneConfig = new TuneConfig { NumSamples = 3, Metric = "score", Mode = Mode.Max, Seed = 5, AvailableResources = new Resources { Cpu = 3 } };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "saved", Verbose = 0 };
        string experiment = await InterruptAfter(reports: 9, space, tuneConfig, runConfig);

        var restored = Tuner.Restore(experiment, async trial => await Counter(trial, null), space, runConfig: runConfig);
        Assert.Equal(3, restored.GetResults().Count); // read from the folder before running (Ray's get_results)
        var grid = await restored.FitAsync();

        Assert.Equal(3, grid.Count);
        Assert.Equal(grid.MaxBy(r => r.Config.Get<double>("x"))!.TrialId, grid.GetBestResult().TrialId);
        Assert.All(grid, r => Assert.Equal(true, r.Metrics[ResultFields.Done]));
        Assert.Same(grid, restored.GetResults());

        // Restored again with nothing left to run: finished trials still say done.
        var again = await Tuner.Restore(experiment, async trial => await Counter(trial, null), space, runConfig: runConfig).FitAsync();
        Assert.All(again, r => Assert.Equal(true, r.Metrics[ResultFields.Done]));
    }

    [Fact]
    public async Task Restore_OtherMetricOrSchedulerOrParameters_IsRefusedNamingEachDifference()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var tuneConfig = new TuneConfig { NumSamples = 2, Metric = "score", Mode = Mode.Max, Scheduler = new TuneSharp.Schedulers.MedianStoppingRule() };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "differs", Verbose = 0 };
        string experiment = await InterruptAfter(reports: 2, space, tuneConfig, runConfig);
        Task Trainable(TrialContext trial) => Counter(trial, null);

        var noConfig = Assert.Throws<TuneException>(() => Tuner.Restore(experiment, Trainable, space, runConfig: runConfig));
        Assert.Contains("MedianStoppingRule", noConfig.Message);
        Assert.Contains("Pass Tuner.Restore a tuneConfig", noConfig.Message);

        var other = new TuneConfig { NumSamples = 2, Metric = "loss", Mode = Mode.Min };
        var error = await Assert.ThrowsAsync<TuneException>(() =>
            Tuner.Restore(experiment, Trainable, new SearchSpace { ["y"] = Tune.Uniform(0, 1) }, other, runConfig).FitAsync());
        Assert.Contains("TuneConfig.Metric: the run had score, the restore has loss", error.Message);
        Assert.Contains("TuneConfig.Mode: the run had Max, the restore has Min", error.Message);
        Assert.Contains("TuneConfig.Scheduler: the run had MedianStoppingRule, the restore has FifoScheduler", error.Message);
        Assert.Contains("parameters: the run had x, the restore has y", error.Message);
        Assert.Equal(2, TuneSharp.Results.ResultGrid.FromDirectory(experiment).Count); // nothing ran
    }

    [Fact]
    public async Task Restore_WrappedSearcherOfAnotherType_IsRefusedNamingBoth()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "wrapped", Verbose = 0 };
        TuneConfig With(ISearcher inner) => new() { NumSamples = 2, Metric = "score", Mode = Mode.Max, SearchAlg = new ConcurrencyLimiter(inner, 2) };
        string experiment = await InterruptAfter(reports: 2, space, With(new TpeSearch { Seed = 1 }), runConfig);

        var error = await Assert.ThrowsAsync<TuneException>(() =>
            Tuner.Restore(experiment, trial => Counter(trial, null), space, With(new BayesOptSearch()), runConfig).FitAsync());

        Assert.Contains("the run had ConcurrencyLimiter(TpeSearch), the restore has ConcurrencyLimiter(BayesOptSearch)", error.Message);
    }

    [Fact]
    public async Task Restore_TunerJsonOfAnOlderVersionNamingTheWrapperAlone_IsAccepted()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "old", Verbose = 0 };
        TuneConfig With() => new() { NumSamples = 2, Metric = "score", Mode = Mode.Max, SearchAlg = new ConcurrencyLimiter(new TpeSearch { Seed = 1 }, 2) };
        string experiment = await InterruptAfter(reports: 2, space, With(), runConfig);
        string file = Path.Combine(experiment, TuneSharp.Storage.ExperimentStore.TunerFile);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        json["search_alg"] = "ConcurrencyLimiter";
        foreach (string key in json.Select(kv => kv.Key).Where(k => k.StartsWith("checkpoint_", StringComparison.Ordinal) || k == "param_paths").ToList())
            json.Remove(key);
        File.WriteAllText(file, json.ToJsonString());

        var grid = await Tuner.Restore(experiment, trial => Counter(trial, null), space, With(), runConfig).FitAsync();

        Assert.Equal(2, grid.Count);
    }

    [Fact]
    public async Task Restore_WithoutConfigs_KeepsTheRunsResourcesAndCheckpointConfig()
    {
        using var temp = new TempDirectory();
        var trainable = Tune.WithResources(async trial => await Counter(trial, null), new Resources { Cpu = 1, Gpu = 1 });
        var space = new SearchSpace { ["x"] = 1.0 };
        var runConfig = new RunConfig
        {
            StoragePath = temp.Path, Name = "gpu", Verbose = 0,
            CheckpointConfig = new CheckpointConfig { NumToKeep = 2, CheckpointScoreAttribute = "step", CheckpointScoreOrder = Mode.Min },
        };
        await new Tuner(trainable, space, new TuneConfig { Metric = "score", Mode = Mode.Max, AvailableResources = new Resources { Cpu = 2, Gpu = 1 } }, runConfig).FitAsync();

        var grid = await Tuner.Restore(Path.Combine(temp.Path, "gpu"), trainable, space).FitAsync();

        Assert.Single(grid);
        // The restored run ranks checkpoints as the run did: lowest step best, so the best is last.
        Assert.Equal(0L, Convert.ToInt64(grid[0].BestCheckpoints[^1].Metrics["step"]));
    }

    [Fact]
    public async Task Restore_ParamsJsonNewerThanTheSnapshot_ContinuesWithItsConfig()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max, Seed = 5 };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "params", Verbose = 0 };
        string experiment = await InterruptAfter(reports: 3, space, tuneConfig, runConfig);
        // As a PBT exploit leaves it when the process dies before the next snapshot: a new config in params.json only.
        string trialPath = TuneSharp.Results.ResultGrid.FromDirectory(experiment)[0].Path;
        TuneSharp.Storage.ExperimentStore.WriteParams(trialPath, new Config(new Dictionary<string, object?> { ["x"] = 0.125 }));

        var grid = await Tuner.Restore(experiment, async trial => await Counter(trial, null), space, tuneConfig, runConfig).FitAsync();

        Assert.Equal(0.125, grid[0].Config.Get<double>("x"));
        Assert.Equal(0.125, (double)grid[0].Metrics["score"]!); // the resumed run trained with it
        Assert.Equal(0.125, TuneSharp.Storage.ExperimentStore.ReadParams(trialPath)!.Get<double>("x"));
    }

    [Fact]
    public async Task FitAsync_ATrialEnds_TheSnapshotSaysSoWithinAMomentEvenWithALongInterval()
    {
        using var temp = new TempDirectory();
        var release = new TaskCompletionSource();
        var tuner = new Tuner(async trial =>
            {
                await trial.ReportAsync(new Metrics { ["score"] = 1.0 });
                if (trial.Config.Get<int>("x") == 1)
                    await release.Task.WaitAsync(TimeSpan.FromSeconds(60)); // the other trial ends meanwhile
            },
            new SearchSpace { ["x"] = Tune.GridSearch(0, 1) },
            new TuneConfig { AvailableResources = new Resources { Cpu = 2 } },
            new RunConfig { StoragePath = temp.Path, Name = "ended", Verbose = 0, StateSnapshotInterval = TimeSpan.FromSeconds(20) });

        Task<TuneSharp.Results.ResultGrid> fit = tuner.FitAsync();
        bool seen = false;
        // 15 s, less than the interval: only the snapshot after the end (within 2 s of it) counts. Not less: on a loaded
        // machine the start alone (threads, JIT, the first snapshots) can take seconds.
        for (int i = 0; i < 150 && !seen; i++)
        {
            await Task.Delay(100);
            seen = Directory.GetFiles(Path.Combine(temp.Path, "ended"), "experiment_state-*.json")
                .Any(f => File.ReadAllText(f).Contains("\"TERMINATED\""));
        }
        release.SetResult();
        await fit;

        // A crash now would not make a resume run the finished trial again.
        Assert.True(seen, "the state file never said a trial had ended while the other ran");
    }

    [Fact]
    public async Task Restore_AfterACrashBetweenALineAndItsCsvRow_ProgressCsvGetsTheRowBack()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = 0.5 };
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "csv", Verbose = 0 };
        string experiment = await InterruptAfter(reports: 3, space, tuneConfig, runConfig);
        string trialPath = TuneSharp.Results.ResultGrid.FromDirectory(experiment)[0].Path;
        string csv = Path.Combine(trialPath, "progress.csv");
        File.WriteAllLines(csv, File.ReadAllLines(csv).SkipLast(1)); // the last line's row never arrived

        var grid = await Tuner.Restore(experiment, async trial => await Counter(trial, null), space, tuneConfig, runConfig).FitAsync();

        var rows = File.ReadAllLines(csv);
        Assert.Equal(Steps + 1, rows.Length); // the header and one row per result.json line
        var header = rows[0].Split(',');
        int step = Array.IndexOf(header, "step");
        Assert.Equal(Enumerable.Range(0, Steps).Select(i => i.ToString()), rows.Skip(1).Select(r => r.Split(',')[step]));
        Assert.Equal(Steps, grid[0].ReadHistory().Count);
    }

    /// <summary>Runs the experiment until <paramref name="reports"/> results came in, then cancels it (trials wait at
    /// step 3 meanwhile, so each has reported steps 0–2 at most); returns its folder.</summary>
    private static async Task<string> InterruptAfter(int reports, SearchSpace space, TuneConfig tuneConfig, RunConfig runConfig)
    {
        using var cancel = new CancellationTokenSource();
        var gate = new SemaphoreSlim(0);
        int seen = 0;
        var first = new Tuner(async trial => await Counter(trial, gate), space, tuneConfig,
            runConfig with { Callbacks = [new OnResult(() => { if (Interlocked.Increment(ref seen) == reports) cancel.Cancel(); })] });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.FitAsync(cancel.Token));
        return Path.Combine(runConfig.StoragePath, runConfig.Name!);
    }

    private sealed class OnResult(Action action) : TuneSharp.Reporting.TuneCallback
    {
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) => action();
    }
}
