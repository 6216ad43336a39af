using System.Text.Json;
using TuneSharp.Schedulers;
using TuneSharp.Search;
using TuneSharp.Stopping;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>
/// Crash windows found by the sixth round of kill -9 fuzzing (stoppers and the time budget across restores, PBT's copies,
/// GPUs per device). A crash is simulated by cancelling the run right after the line it should follow and putting back the
/// state snapshot as it was on disk before (<see cref="StateFileCopy"/>).
/// </summary>
public class CrashWindowRound6Tests
{
    /// <summary>Counts to 20, a checkpoint with every result. Before its third result it keeps the newest snapshot (which
    /// has seen at most two results): the snapshot a crash right after the third line leaves.</summary>
    private static async Task Counter(TrialContext trial, string experiment, Action<StateFileCopy>? keep)
    {
        long step = trial.GetCheckpoint()?.Read(dir => long.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")))) ?? 0;
        while (step < 20)
        {
            step++;
            if (keep is not null && step == 3)
            {
                StateFileCopy? copy = null;
                await WaitFor(() => (copy = StateFileCopy.Take(experiment)) is not null);
                keep(copy!);
            }
            long s = step;
            await trial.ReportAsync(new Metrics { ["score"] = s },
                Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
            if (keep is not null && step == 3)
                await Task.Delay(Timeout.Infinite, trial.CancellationToken); // nothing runs after the crash
        }
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
            await Task.Delay(20);
        Assert.True(condition(), "the condition never held");
    }

    private sealed class CancelAtIteration(long iteration, CancellationTokenSource cts) : TuneSharp.Reporting.TuneCallback
    {
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
        {
            if (Convert.ToInt64(result[ResultFields.TrainingIteration]) == iteration)
                cts.Cancel();
        }
    }

    private static int StopperCount(StateFileCopy copy)
    {
        using var doc = JsonDocument.Parse(copy.Bytes);
        if (!doc.RootElement.TryGetProperty("stopper", out var stopper))
            return 0;
        var counts = stopper.GetProperty("state").GetProperty("stoppers")[0].GetProperty("state").GetProperty("counts");
        return counts.EnumerateObject().Select(p => p.Value.GetInt32()).DefaultIfEmpty(0).Single();
    }

    [Fact]
    public async Task MaximumIterationStopper_CrashAfterResultsTheSnapshotHadNotSeen_TrialStillStopsAtItsMaximum()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "maxiter");
        RunConfig Run(TuneSharp.Reporting.TuneCallback? callback = null) => new()
        {
            StoragePath = temp.Path, Name = "maxiter", Verbose = 0, Stop = new MaximumIterationStopper(4),
            Callbacks = callback is null ? [] : [callback],
        };
        StateFileCopy? copy = null;
        using var cts = new CancellationTokenSource();
        // The crash comes right after the third line (cancelling stands for it), with the snapshot kept before it.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new Tuner(t => Counter(t, experiment, c => copy ??= c), new SearchSpace(), new TuneConfig(), Run(new CancelAtIteration(3, cts)))
                .FitAsync(cts.Token));
        copy!.PutBack();
        Assert.True(StopperCount(copy) < 3);

        var grid = await Tuner.Restore(experiment, t => Counter(t, experiment, null), new SearchSpace(), new TuneConfig(), Run()).FitAsync();

        // The three lines are the trial's (it goes on from the checkpoint of the third): the stopper counts them all, and the
        // trial stops at its fourth result. Before, the stopper had only the snapshot's count, and the trial ran 4 results
        // more than that (kill -9 fuzzing, stoppers_to: 20 of 60 trials per run past MaximumIterationStopper(5), up to 10).
        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.Equal(4L, grid[0].Metrics[ResultFields.TrainingIteration]);
        Assert.Equal(4, grid[0].ReadHistory().Count);
    }

    /// <summary>Counts to 6; its checkpoint holds the step and the trial that made the state, and each result says which
    /// trial's state the run began from.</summary>
    private sealed class Lineage : Trainable
    {
        private long _step;
        private string _origin = "";

        public override void Setup(Config config) => _origin = Trial.TrialId;

        public override Metrics Step()
        {
            _step++;
            return new Metrics { ["score"] = Config.Get<double>("x") * 10 + _step, ["from"] = _origin, ["done"] = _step >= 6 };
        }

        public override void SaveCheckpoint(string dir) => File.WriteAllText(Path.Combine(dir, "state.txt"), $"{_step} {_origin}");

        public override void LoadCheckpoint(string dir)
        {
            var parts = File.ReadAllText(Path.Combine(dir, "state.txt")).Split(' ');
            (_step, _origin) = (long.Parse(parts[0]), parts[1]);
        }
    }

    [Fact]
    public async Task SynchPbt_ClassTrainableCheckpointsAtTheSyncStep_NumToKeepOne_TheExploitCopiesTheSourceState()
    {
        using var temp = new TempDirectory();
        // One trial at a time: trial 0 (x = 0.9) reaches the sync point at 2 first and waits; trial 1 (x = 0.1) gets there
        // and is in the bottom half: it copies trial 0's state of iteration 2. Both have a checkpoint with their result at 2
        // (CheckpointFrequency 2) and save again at the sync pause.
        var tuneConfig = new TuneConfig
        {
            Metric = "score", Mode = Mode.Max, Seed = 1, MaxConcurrentTrials = 1,
            Scheduler = new PopulationBasedTraining
            {
                TimeAttr = "training_iteration", PerturbationInterval = 2, QuantileFraction = 0.5, ResampleProbability = 0, Synch = true,
                HyperparamMutations = new SearchSpace { ["x"] = new List<object?> { 0.1, 0.5, 0.9 } },
            },
        };
        var runConfig = new RunConfig
        {
            StoragePath = temp.Path, Name = "sync", Verbose = 0,
            CheckpointConfig = new CheckpointConfig { NumToKeep = 1, CheckpointFrequency = 2 },
        };

        var grid = await new Tuner(TrainableDefinition.FromClass<Lineage>(), new SearchSpace { ["x"] = Tune.GridSearch(0.9, 0.1) }, tuneConfig, runConfig).FitAsync();

        // Trial 1's first line after the sync step comes from trial 0's state. Before, the sync took trial 0's checkpoint of
        // its result as the source, which retention (NumToKeep = 1) had deleted when the pause's save came: trial 1 went on
        // from its own state with the new config, half an exploit (kill -9 fuzzing, pbt_sync_cls with CheckpointAtEnd and
        // NumToKeep 1, where a restore moved the sync step onto a checkpointed iteration: 4 of 15 runs).
        var history = grid[1].ReadHistory();
        Assert.Equal(grid[0].TrialId, history[2]["from"]);
        Assert.Equal(3L, Convert.ToInt64(history[2][ResultFields.TrainingIteration]));
    }
}
