using System.Text.Json.Nodes;
using TuneSharp.Results;
using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>After a crash or an interruption, a resumed trial continues at the iteration its checkpoint holds, whether
/// a result line names that checkpoint or not (saves at a pause), and never from an older attempt's checkpoint.</summary>
public class ResumeCheckpointPairingTests
{
    // Tests in one class run one at a time, so the trainables below may share these switches.
    private static volatile bool s_block = true;
    private static volatile int s_blockAt = 3;
    private static volatile TaskCompletionSource? s_blocked; // set when a stepper starts waiting

    /// <summary>Steps to 6; while <see cref="s_block"/> is set, its step after <see cref="s_blockAt"/> waits in the middle
    /// until the trial is interrupted, then finishes: its result is refused (the trial is stopping) and the pause saves
    /// the state with that step done.</summary>
    private sealed class Stepper : Trainable
    {
        private int _step;

        public override Metrics Step()
        {
            if (s_block && _step >= s_blockAt)
            {
                s_blocked?.TrySetResult();
                Trial.CancellationToken.WaitHandle.WaitOne();
            }
            _step++;
            return new Metrics { ["step"] = _step, ["score"] = (double)_step, [ResultFields.Done] = _step >= 6 };
        }

        public override void SaveCheckpoint(string checkpointDirectory) => File.WriteAllText(Path.Combine(checkpointDirectory, "s"), _step.ToString());
        public override void LoadCheckpoint(string checkpointDirectory) => _step = int.Parse(File.ReadAllText(Path.Combine(checkpointDirectory, "s")));
    }

    private static readonly SearchSpace Space = new() { ["x"] = 0.5 };
    private static readonly TuneConfig Tune1 = new() { Metric = "score", Mode = Mode.Max };

    private static async Task<string> InterruptAfter(int results, TrainableDefinition trainable, RunConfig runConfig)
    {
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        var tuner = new Tuner(trainable, Space, Tune1,
            runConfig with { Callbacks = [new OnResult(() => { if (Interlocked.Increment(ref seen) == results) cancel.Cancel(); })] });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tuner.FitAsync(cancel.Token));
        return Path.Combine(runConfig.StoragePath, runConfig.Name!);
    }

    private static void AssertStepsFollowIterations(ResultGrid grid)
    {
        var history = grid[0].ReadHistory();
        Assert.True(history.All(r => Convert.ToInt64(r["step"]) == Convert.ToInt64(r["training_iteration"])),
            string.Join(" ", history.Select(r => $"{r["step"]}/{r["training_iteration"]}")));
        Assert.Equal(6L, grid[0].Metrics["training_iteration"]);
    }

    /// <summary>Runs a <see cref="Stepper"/> until it waits at step 3 and interrupts it there (it saves step 3).</summary>
    private static async Task<(TrainableDefinition, RunConfig, string Experiment, string TrialPath)> StepperInterruptedAtThree(
        TempDirectory temp, string name, int checkpointFrequency)
    {
        var trainable = TrainableDefinition.FromClass(() => new Stepper(), "Stepper");
        var runConfig = new RunConfig
        {
            StoragePath = temp.Path, Name = name, Verbose = 0, CheckpointConfig = new CheckpointConfig { CheckpointFrequency = checkpointFrequency },
        };
        (s_block, s_blockAt) = (true, 3);
        string experiment = await InterruptAfter(3, trainable, runConfig);
        return (trainable, runConfig, experiment, ResultGrid.FromDirectory(experiment)[0].Path);
    }

    /// <summary>Resumes the experiment with the steppers no longer waiting, to the end.</summary>
    private static Task<ResultGrid> ResumeToTheEnd(string experiment, TrainableDefinition trainable, RunConfig runConfig)
    {
        s_block = false;
        return Tuner.Restore(experiment, trainable, Space, Tune1, runConfig).FitAsync();
    }

    /// <summary>A stepper run to its end (done at step 6, a checkpoint every step) whose snapshot is then made to say it
    /// is still running, written <paramref name="snapshotShift"/> from the time of the trial's last (done) line; resumed to
    /// the end.</summary>
    private static async Task<ResultGrid> ResumeFinishedStepperMarkedRunning(TempDirectory temp, string name, TimeSpan snapshotShift,
        TuneSharp.Reporting.TuneCallback? callback = null, int? stopAt = null)
    {
        var trainable = TrainableDefinition.FromClass(() => new Stepper(), "Stepper");
        var runConfig = new RunConfig
        {
            StoragePath = temp.Path, Name = name, Verbose = 0, CheckpointConfig = new CheckpointConfig { CheckpointFrequency = 1 },
            Stop = stopAt is { } at ? new() { [ResultFields.TrainingIteration] = at } : null,
        };
        s_block = false;
        var finished = await new Tuner(trainable, Space, Tune1, runConfig).FitAsync();
        string state = Directory.GetFiles(finished.ExperimentPath, "experiment_state-*.json").Single();
        // From the line's time (whole seconds, as result lines hold it), not from the snapshot file's own: on a loaded
        // machine the final snapshot can come a second or more after the done line, and 2 s before the snapshot would
        // then no longer be before that line.
        long doneLine = Convert.ToInt64(finished[0].ReadHistory()[^1][ResultFields.Timestamp]);
        DateTime written = DateTimeOffset.FromUnixTimeSeconds(doneLine).UtcDateTime + snapshotShift;
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"TERMINATED\"", "\"RUNNING\""));
        File.SetLastWriteTimeUtc(state, written);
        return await Tuner.Restore(finished.ExperimentPath, trainable, Space, Tune1,
            runConfig with { Callbacks = callback is null ? [] : [callback] }).FitAsync();
    }

    [Fact]
    public async Task Restore_TrialWhoseLastLineSaysDoneButTheSnapshotSaysRunning_StaysFinished()
    {
        using var temp = new TempDirectory();
        // As if the process had died after the last result and before the snapshot that says the trial ended.
        var completed = new List<TrialInfo>();
        var grid = await ResumeFinishedStepperMarkedRunning(temp, "done", TimeSpan.FromSeconds(-2), new OnComplete(completed.Add));

        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.Equal(6, grid[0].ReadHistory().Count); // no step past its end
        Assert.Equal(true, grid[0].Metrics[ResultFields.Done]);
        // Callbacks hear of its end, as they would have had the run not died (e.g. TensorBoard's hyperparameter record).
        var trial = Assert.Single(completed);
        Assert.Equal(6L, trial.Iteration);
    }

    [Fact]
    public async Task Restore_TrialAStopperEndedJustBeforeTheCrash_StaysFinished()
    {
        using var temp = new TempDirectory();
        // Stopped at 3 of its 6 steps; its last line says done, as the stopper's decision came before it was written.
        var grid = await ResumeFinishedStepperMarkedRunning(temp, "stopped", TimeSpan.FromSeconds(-2), stopAt: 3);

        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.Equal(3, grid[0].ReadHistory().Count);
    }

    [Fact]
    public async Task Restore_ADoneLineOlderThanTheSnapshot_DoesNotEndTheTrial()
    {
        using var temp = new TempDirectory();
        // A snapshot written after the done line, saying running: a later attempt began after that line, which belongs
        // to an earlier one.
        var grid = await ResumeFinishedStepperMarkedRunning(temp, "older", TimeSpan.FromSeconds(2));

        Assert.Equal(7, grid[0].ReadHistory().Count); // it ran again (one step, from its checkpoint at step 6)
    }

    [Fact]
    public async Task Restore_CrashAfterResumingFromAPauseSave_NumbersTheSaveByItsOwnResult()
    {
        using var temp = new TempDirectory();
        var (trainable, runConfig, experiment, trialPath) = await StepperInterruptedAtThree(temp, "pause", checkpointFrequency: 4);
        Assert.True(Directory.Exists(Path.Combine(trialPath, "checkpoint_000000"))); // saved at the interruption, step 4 done
        // As if a resumed run had reported step 5 with its checkpoint and the process died before the folder moved.
        string file = Path.Combine(trialPath, "result.json");
        var crashed = JsonNode.Parse(File.ReadLines(file).Last())!.AsObject();
        (crashed["training_iteration"], crashed["step"], crashed["checkpoint_dir_name"]) = (5, 5, "checkpoint_000001");
        File.AppendAllText(file, crashed.ToJsonString() + "\n");

        var grid = await ResumeToTheEnd(experiment, trainable, runConfig);

        // The pause save holds step 4 (its own result, kept in the folder), not the last line's step 5.
        AssertStepsFollowIterations(grid);
    }

    [Fact]
    public async Task Restore_InterruptedAgainBeforeItsFirstResult_ContinuesAfterTheStepItFinished()
    {
        using var temp = new TempDirectory();
        var (trainable, runConfig, experiment, trialPath) = await StepperInterruptedAtThree(temp, "early", checkpointFrequency: 1);
        // Steps 1–3 were checkpointed with their lines (0–2) and the interruption saved step 4 (3). Now as if step 3's
        // folder had never arrived: the last line names a missing checkpoint.
        Directory.Delete(Path.Combine(trialPath, "checkpoint_000003"), recursive: true);
        Directory.Delete(Path.Combine(trialPath, "checkpoint_000002"), recursive: true);
        // The resumed run restores step 2 and is interrupted again before it reports: it saves step 3, done meanwhile.
        s_blockAt = 2;
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        s_blocked = blocked;
        using (var cancel = new CancellationTokenSource())
        {
            Task fit = Tuner.Restore(experiment, trainable, Space, Tune1, runConfig).FitAsync(cancel.Token);
            // Interrupted once it is in that step, not after a fixed time: on a loaded machine the trial may not even
            // have started by then, and the test would pass without the interruption it is about.
            Assert.Same(blocked.Task, await Task.WhenAny(blocked.Task, fit, Task.Delay(TimeSpan.FromSeconds(60))));
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fit);
        }
        s_blocked = null;

        var grid = await ResumeToTheEnd(experiment, trainable, runConfig);

        AssertStepsFollowIterations(grid);
    }

    [Fact]
    public async Task Restore_InterruptedInTheMiddleOfAStep_ContinuesAfterThatStep()
    {
        using var temp = new TempDirectory();
        var (trainable, runConfig, experiment, _) = await StepperInterruptedAtThree(temp, "midstep", checkpointFrequency: 0);

        var grid = await ResumeToTheEnd(experiment, trainable, runConfig);

        // Step 4 finished after the interruption: its result was refused, but the save holds it, and the resumed run
        // numbers on from there (5, 6) rather than calling step 5 iteration 4.
        var history = grid[0].ReadHistory();
        Assert.Equal([1L, 2, 3, 5, 6], history.Select(r => Convert.ToInt64(r["step"])));
        Assert.All(history, r => Assert.Equal(Convert.ToInt64(r["step"]), Convert.ToInt64(r["training_iteration"])));
    }

    private static async Task FailAtSixOrWaitAtThree(TrialContext trial, bool fail, bool wait)
    {
        int start = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "s")))) ?? 0;
        for (int i = start + 1; i <= 6; i++)
        {
            if (fail && i == 6)
                throw new InvalidOperationException("failing on purpose");
            if (wait && i == 3)
                await Task.Delay(Timeout.Infinite, trial.CancellationToken);
            int s = i;
            await trial.ReportAsync(new Metrics { ["step"] = s, ["score"] = (double)s },
                Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "s"), s.ToString())));
        }
    }

    [Fact]
    public async Task Restore_AfterRestartErroredWasInterrupted_ContinuesTheRestartNotTheFailedAttempt()
    {
        using var temp = new TempDirectory();
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "restart", Verbose = 0 };
        var failed = await new Tuner(t => FailAtSixOrWaitAtThree(t, fail: true, wait: false), Space, Tune1, runConfig).FitAsync();
        Assert.Equal(1, failed.NumErrors); // checkpoints of steps 1–5 on disk
        string experiment = Path.Combine(temp.Path, "restart");
        using (var cancel = new CancellationTokenSource())
        {
            int seen = 0;
            var interrupting = runConfig with { Callbacks = [new OnResult(() => { if (Interlocked.Increment(ref seen) == 2) cancel.Cancel(); })] };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                Tuner.Restore(experiment, t => FailAtSixOrWaitAtThree(t, fail: false, wait: true), Space, Tune1, interrupting, restartErrored: true)
                    .FitAsync(cancel.Token));
        }

        var grid = await Tuner.Restore(experiment, t => FailAtSixOrWaitAtThree(t, fail: false, wait: false), Space, Tune1, runConfig).FitAsync();

        // Restart 1–2, then on from the restart's step 2 (not the failed attempt's step 5).
        var history = grid[0].ReadHistory();
        Assert.Equal([1L, 2, 3, 4, 5, 6], history.Select(r => Convert.ToInt64(r["step"])));
        Assert.All(history, r => Assert.Equal(Convert.ToInt64(r["step"]), Convert.ToInt64(r["training_iteration"])));
        Assert.Equal(7, File.ReadAllLines(Path.Combine(grid[0].Path, "progress.csv")).Length); // header and six rows
        // The failed attempt's five results and checkpoints are kept aside; the trial's own are the restart's (steps 1–6).
        string failedAttempt = Path.Combine(grid[0].Path, "failed_attempt_1");
        Assert.Equal(5, File.ReadAllLines(Path.Combine(failedAttempt, "result.json")).Length);
        Assert.Equal(5, Directory.GetDirectories(failedAttempt, "checkpoint_*").Length);
        Assert.Equal([1, 2, 3, 4, 5, 6], grid[0].BestCheckpoints.Select(c => Convert.ToInt32(c.Metrics["step"])).Order());
        Assert.Equal(6, Directory.GetDirectories(grid[0].Path, "checkpoint_*").Length);
    }

    [Fact]
    public async Task Restore_AfterRestartErrored_SummariesAndBestResultSeeOnlyTheNewAttempt()
    {
        using var temp = new TempDirectory();
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "summaries", Verbose = 0 };
        // The failed attempt scores 100 on every step; the restart scores its step.
        static async Task Trainable(TrialContext trial, bool fail)
        {
            for (int i = 1; i <= 3; i++)
            {
                await trial.ReportAsync(new Metrics { ["score"] = fail ? 100.0 : i });
                if (fail && i == 3)
                    throw new InvalidOperationException("failing on purpose");
            }
        }
        await new Tuner(t => Trainable(t, fail: true), Space, Tune1, runConfig).FitAsync();

        var grid = await Tuner.Restore(Path.Combine(temp.Path, "summaries"), t => Trainable(t, fail: false), Space, Tune1, runConfig,
            restartErrored: true).FitAsync();

        Assert.Equal(3.0, grid.GetBestResult("score", Mode.Max, scope: MetricScope.All).Metrics["score"]);
        Assert.Equal(3.0, Convert.ToDouble(ResultGrid.FromDirectory(grid.ExperimentPath).GetBestResult("score", Mode.Max, scope: MetricScope.All).Metrics["score"]));
        Assert.Equal([1.0, 2, 3], grid[0].ReadHistory().Select(r => Convert.ToDouble(r["score"])));
    }

    [Fact]
    public async Task Restore_RestartErrored_TheNewAttemptHasTheRetriesOfAnyTrial()
    {
        using var temp = new TempDirectory();
        var runConfig = new RunConfig
        {
            StoragePath = temp.Path, Name = "retries", Verbose = 0, FailureConfig = new FailureConfig { MaxFailures = 1 },
        };
        int runs = 0;
        async Task FailsTwiceThenWorks(TrialContext trial)
        {
            await trial.ReportAsync(new Metrics { ["score"] = 1.0 });
            if (Interlocked.Increment(ref runs) is 1 or 2 or 3) // the first run's two tries, then the restart's first
                throw new InvalidOperationException("failing on purpose");
        }
        var failed = await new Tuner(FailsTwiceThenWorks, Space, Tune1, runConfig).FitAsync();
        Assert.Equal(1, failed.NumErrors);

        var grid = await Tuner.Restore(Path.Combine(temp.Path, "retries"), FailsTwiceThenWorks, Space, Tune1, runConfig,
            restartErrored: true).FitAsync();

        // The restart failed once and was retried (its failures counted from 0, not from the first attempt's 2).
        Assert.Equal(0, grid.NumErrors);
        Assert.Equal(4, runs);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(grid[0].Path, "failed_attempt_1", "error.txt")).Count(l => l.StartsWith("Failure # ")));
        Assert.Single(File.ReadAllLines(Path.Combine(grid[0].Path, "error.txt")), l => l.StartsWith("Failure # 1 "));
    }

    [Fact]
    public async Task Restore_OneCheckpointTooManyAfterACrash_AppliesRetention()
    {
        using var temp = new TempDirectory();
        var trainable = TrainableDefinition.FromClass(() => new Stepper(), "Stepper");
        var runConfig = new RunConfig
        {
            StoragePath = temp.Path, Name = "retention", Verbose = 0,
            CheckpointConfig = new CheckpointConfig { CheckpointFrequency = 1, NumToKeep = 2 },
        };
        s_block = false;
        var finished = await new Tuner(trainable, Space, Tune1, runConfig).FitAsync();
        // As if the process had died after the last checkpoint and before retention deleted the oldest kept one: no
        // later checkpoint will prune it.
        Assert.Equal(2, Directory.GetDirectories(finished[0].Path, "checkpoint_*").Length);
        string stale = Path.Combine(finished[0].Path, "checkpoint_000003");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, "s"), "4");

        var grid = await Tuner.Restore(finished.ExperimentPath, trainable, Space, Tune1, runConfig).FitAsync();

        Assert.False(Directory.Exists(stale));
        Assert.Equal([5, 6], grid[0].BestCheckpoints.Select(c => Convert.ToInt32(c.Metrics["step"])).Order());
    }

    private sealed class OnComplete(Action<TrialInfo> action) : TuneSharp.Reporting.TuneCallback
    {
        public override void OnTrialComplete(TrialInfo trial) => action(trial);
    }

    private sealed class OnResult(Action action) : TuneSharp.Reporting.TuneCallback
    {
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) => action();
    }
}
