using TuneSharp.Reporting;
using TuneSharp.Results;
using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>
/// Crash windows that kill -9 fuzzing found, reproduced deterministically. A "crash" at a chosen moment is simulated by copying the
/// experiment state file as it is on disk at that moment (from a callback on the controller's thread), letting the run
/// finish, and then putting that copy back: every other file is as a crash just before the next snapshot would leave it.
/// </summary>
public class CrashWindowTests
{
    /// <summary>Copies the state file when <paramref name="when"/> first holds for a result.</summary>
    private sealed class StateCopier(string experiment, Func<TrialInfo, IReadOnlyDictionary<string, object?>, bool> when) : TuneCallback
    {
        public StateFileCopy? Copy { get; private set; }
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
        {
            // A callback that throws would end the experiment: copy only once there is a snapshot to copy.
            if (Copy is null && when(trial, result))
                Copy = StateFileCopy.Take(experiment);
        }
        public void PutBack() => Copy!.PutBack();
    }

    [Fact]
    public async Task StoppedByAStopper_CrashBeforeTheNextSnapshot_StaysStoppedAfterRestore()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "stopped");
        var space = new SearchSpace { ["x"] = 0.5 };
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max };
        // The trainable would run 10 steps; the stopper ends it at 3. The snapshot on disk says RUNNING (taken at step 2).
        var copier = new StateCopier(experiment, (_, r) => Convert.ToInt64(r["training_iteration"]) == 2);
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "stopped", Verbose = 0, Stop = new() { ["training_iteration"] = 3 },
            StateSnapshotInterval = TimeSpan.FromMinutes(10) };
        await new Tuner(t => CheckpointedCounter.Run(t, 10), space, tuneConfig, runConfig with { Callbacks = [copier] }).FitAsync();
        copier.PutBack();

        var grid = await Tuner.Restore(experiment, t => CheckpointedCounter.Run(t, 10), space, tuneConfig, runConfig).FitAsync();

        var iterations = grid[0].ReadHistory().Select(r => Convert.ToInt64(r["training_iteration"])).ToList();
        Assert.Equal([1L, 2, 3], iterations); // was [1, 2, 3, 4]: the stopped trial ran again and trained past its stop
    }

    [Fact]
    public async Task TrialCreatedAfterTheLastSnapshot_CrashThenRestore_TakesItsFolderAndResultsBack()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "orphan");
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var tuneConfig = new TuneConfig
        {
            Metric = "score", Mode = Mode.Max, NumSamples = 2, Seed = 1,
            SearchAlg = new ConcurrencyLimiter(new TpeSearch { Seed = 1 }, 1),
        };
        // The crash comes while the second trial runs: it was created after the last snapshot.
        var copier = new StateCopier(experiment, (t, r) => t.Index == 1 && Convert.ToInt64(r["training_iteration"]) == 3);
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "orphan", Verbose = 0, StateSnapshotInterval = TimeSpan.FromMinutes(10) };
        var first = await new Tuner(t => CheckpointedCounter.Run(t, 3), space, tuneConfig, runConfig with { Callbacks = [copier] }).FitAsync();
        string secondFolder = first[1].Path;
        copier.PutBack();

        var grid = await Tuner.Restore(experiment, t => CheckpointedCounter.Run(t, 3), space,
            new TuneConfig { Metric = "score", Mode = Mode.Max, NumSamples = 2, Seed = 1, SearchAlg = new ConcurrencyLimiter(new TpeSearch { Seed = 1 }, 1) },
            runConfig).FitAsync();

        var trialFolders = Directory.GetDirectories(experiment).Select(Path.GetFileName).ToList();
        Assert.Equal(2, grid.Count);
        // Before, the grid's second trial lived in a new folder, trained from scratch, and the 3 results in the first
        // folder belonged to no trial of the grid.
        Assert.Equal(secondFolder, grid[1].Path);
        Assert.Equal(2, trialFolders.Count);
        Assert.Equal([1L, 2, 3], grid[1].ReadHistory().Select(r => Convert.ToInt64(r["training_iteration"])));
    }

    /// <summary>A FIFO scheduler whose first SaveState takes a second, as the first snapshot of a process is slow when its
    /// code is compiled on the way (every restore after a crash is a fresh process), only more so.</summary>
    private sealed class SlowFirstSave : TuneSharp.Schedulers.ITrialScheduler
    {
        private int _saves;
        public void Setup(string? metric, Mode? mode, int? seed) { }
        public TuneSharp.Schedulers.TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) =>
            TuneSharp.Schedulers.TrialDecision.Continue;
        public System.Text.Json.Nodes.JsonObject SaveState()
        {
            if (_saves++ == 0)
                Thread.Sleep(1000);
            return new() { ["version"] = 1 };
        }
    }

    [Fact]
    public async Task OneSlowSnapshot_DoesNotHoldOffTheSnapshotAfterATrialEnds()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "stretch");
        var release = new TaskCompletionSource();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        long endedAt = -1; // when the controller had trial x=0 end (watch ticks), measured from there: a loaded start is slow
        var tuner = new Tuner(async trial =>
            {
                await trial.ReportAsync(new Metrics { ["score"] = 1.0 });
                if (trial.Config.Get<int>("x") == 1)
                    await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            },
            new SearchSpace { ["x"] = Tune.GridSearch(0, 1) },
            new TuneConfig { AvailableResources = new Resources { Cpu = 2 }, Scheduler = new SlowFirstSave() },
            new RunConfig { StoragePath = temp.Path, Name = "stretch", Verbose = 0, // default interval: 2 s, 0.2 s after an end
                Callbacks = [new OnComplete(() => Interlocked.CompareExchange(ref endedAt, watch.ElapsedTicks, -1))] });

        Task<ResultGrid> fit = tuner.FitAsync();
        double? seenAfter = null;
        while (seenAfter is null)
        {
            long ended = Interlocked.Read(ref endedAt);
            if (ended < 0 ? watch.Elapsed > TimeSpan.FromSeconds(60) : watch.ElapsedTicks - ended > 12 * System.Diagnostics.Stopwatch.Frequency)
                break;
            await Task.Delay(20);
            if (Directory.Exists(experiment) && Directory.GetFiles(experiment, "experiment_state-*.json")
                    .Any(f => { try { return File.ReadAllText(f).Contains("\"TERMINATED\""); } catch (IOException) { return false; } }))
                seenAfter = (double)(watch.ElapsedTicks - Interlocked.Read(ref endedAt)) / System.Diagnostics.Stopwatch.Frequency;
        }
        release.SetResult();
        await fit;
        // Trial x=0 ends within a few ms of the start, while the slow first snapshot is written; the promise is a snapshot
        // 0.2 s after that one. Before, the one slow write held the next off for 19 times its duration: 19 s. (A wide
        // margin: a loaded machine.)
        Assert.True(endedAt >= 0, "trial x=0 never ended");
        Assert.True(seenAfter < 6, $"the snapshot saying the trial ended came {(seenAfter is { } after ? $"{after:F2} s" : "not within 12 s")} after it ended");
    }

    private sealed class ThreeSteps : Trainable
    {
        private long _step;
        public override Metrics Step() { _step++; return new Metrics { ["score"] = (double)_step, ["done"] = _step >= 3 }; }
        public override void SaveCheckpoint(string dir) => File.WriteAllText(Path.Combine(dir, "step.txt"), _step.ToString());
        public override void LoadCheckpoint(string dir) => _step = long.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")));
    }

    [Fact]
    public async Task PausedInTheSnapshot_ThenResumedAndDone_CrashBeforeTheNextSnapshot_StaysFinishedAfterRestore()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "paused");
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "paused", Verbose = 0,
            CheckpointConfig = new CheckpointConfig { CheckpointFrequency = 1 } };
        var trainable = TrainableDefinition.FromClass<ThreeSteps>();
        await new Tuner(trainable, new SearchSpace { ["x"] = 1 }, tuneConfig, runConfig).FitAsync();
        // The disk as a crash leaves it when the last snapshot was taken while a scheduler (MedianStoppingRule,
        // HyperBand) had the trial paused, and the trial was then resumed and wrote its done line.
        string state = Directory.GetFiles(experiment, "experiment_state-*.json").Single();
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(state))!;
        json["trials"]![0]!["status"] = "PAUSED";
        File.WriteAllText(state, json.ToJsonString());
        File.SetLastWriteTimeUtc(state, DateTime.UtcNow.AddSeconds(-10));

        var grid = await Tuner.Restore(experiment, trainable, new SearchSpace { ["x"] = 1 }, tuneConfig, runConfig).FitAsync();

        var iterations = grid[0].ReadHistory().Select(r => Convert.ToInt64(r["training_iteration"])).ToList();
        // Was [1, 2, 3, 4]: a line with done = true, then a step past it (a RUNNING or PENDING status was caught).
        Assert.Equal([1L, 2, 3], iterations);
    }

    private sealed class OnComplete(Action action) : TuneCallback
    {
        public override void OnTrialComplete(TrialInfo trial) => action();
    }
}
