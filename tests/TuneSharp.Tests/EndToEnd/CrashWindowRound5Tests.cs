using System.Text.Json;
using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>
/// Crash windows found by the fifth round of kill -9 fuzzing (PBT, PB2, BOHB, grids, repeaters, reused actors, stoppers).
/// Here a crash is simulated by copying the whole experiment folder at the chosen moment (nothing else writes to it then:
/// one trial runs at a time), letting the run finish, and putting the copy in its place.
/// </summary>
public class CrashWindowRound5Tests
{
    /// <summary>Counts to 6, a checkpoint with every result holding the step and the trial that made the state; reports
    /// which trial's state this run began from (another's after a PBT exploit). When told to stop while its params.json no
    /// longer holds the config it runs with (an exploit was decided), it copies the experiment folder: the disk as a crash
    /// while the run winds down (up to a whole training step) leaves it.</summary>
    private static class ExploitCounter
    {
        public static string? Experiment, Image;

        public static async Task Run(TrialContext trial)
        {
            var (step, origin) = trial.GetCheckpoint()?.Read(dir =>
            {
                var parts = File.ReadAllText(Path.Combine(dir, "state.txt")).Split(' ');
                return (long.Parse(parts[0]), parts[1]);
            }) ?? (0L, trial.TrialId);
            double x = trial.Config.Get<double>("x");
            try
            {
                while (step < 6)
                {
                    step++;
                    long s = step;
                    string id = trial.TrialId;
                    await trial.ReportAsync(new Metrics { ["score"] = x * 10 + s, ["from"] = origin, ["ran_x"] = x },
                        Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "state.txt"), $"{s} {id}")));
                }
            }
            catch (TrialStoppedException) when (Image is not null && !Directory.Exists(Image) && ParamsX(trial.TrialDirectory) != x)
            {
                CopyTree(Experiment!, Image);
                throw;
            }
        }
    }

    private static double ParamsX(string trialDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(trialDir, "params.json")));
        return doc.RootElement.GetProperty("x").GetDouble();
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from))
        {
            string target = Path.Combine(to, Path.GetFileName(f));
            File.Copy(f, target);
            File.SetLastWriteTimeUtc(target, File.GetLastWriteTimeUtc(f));
        }
        foreach (string d in Directory.GetDirectories(from))
            CopyTree(d, Path.Combine(to, Path.GetFileName(d)));
    }

    private static TuneConfig PbtConfig() => new()
    {
        Metric = "score", Mode = Mode.Max, Seed = 1, MaxConcurrentTrials = 1,
        Scheduler = new PopulationBasedTraining
        {
            TimeAttr = "training_iteration", PerturbationInterval = 2, QuantileFraction = 0.5, ResampleProbability = 0,
            HyperparamMutations = new SearchSpace { ["x"] = new List<object?> { 0.1, 0.5, 0.9 } },
        },
    };

    private static readonly SearchSpace PbtSpace = new() { ["x"] = Tune.GridSearch(0.1, 0.9) };

    /// <summary>Runs PBT on two trials, one at a time: trial 0 (x = 0.1) pauses at 2 for trial 1 (x = 0.9), resumes, and at
    /// 4 is in the bottom half: it is to copy trial 1's state of iteration 2 and continue with a neighbour of 0.9. The
    /// experiment folder is then put back as it was when trial 0 was told to stop for that, and <paramref name="crash"/>
    /// may change it further (given trial 0's folder). Returns the restored run's trial 0 history, the new config's x and
    /// trial 1's id.</summary>
    private static async Task<(IReadOnlyList<IReadOnlyDictionary<string, object?>> History, double NewX, string Source)> ExploitThenCrash(
        TempDirectory temp, Action<string> crash)
    {
        string experiment = Path.Combine(temp.Path, "pbt");
        ExploitCounter.Experiment = experiment;
        ExploitCounter.Image = Path.Combine(temp.Path, "image");
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "pbt", Verbose = 0, StateSnapshotInterval = TimeSpan.FromMinutes(10) };
        var first = await new Tuner(t => ExploitCounter.Run(t), PbtSpace, PbtConfig(), runConfig).FitAsync();
        Assert.True(Directory.Exists(ExploitCounter.Image), "no exploit was decided");
        string exploited = Path.Combine(experiment, Path.GetFileName(first[0].Path));
        Directory.Delete(experiment, recursive: true);
        Directory.Move(ExploitCounter.Image, experiment); // the disk as the crash left it
        ExploitCounter.Image = null;
        double newX = ParamsX(exploited);
        Assert.NotEqual(0.1, newX);
        crash(exploited);

        var grid = await Tuner.Restore(experiment, t => ExploitCounter.Run(t), PbtSpace, PbtConfig(), runConfig).FitAsync();
        return (grid[0].ReadHistory(), newX, first[1].TrialId);
    }

    [Fact]
    public async Task PbtExploitDecided_CrashBeforeTheRunWoundDown_TrialContinuesFromTheCopiedStateWithTheNewConfig()
    {
        using var temp = new TempDirectory();

        var (history, newX, source) = await ExploitThenCrash(temp, _ => { });

        // The first line the trial wrote after the crash (1, 2 (paused), 3, 4 (exploit decided), then the crash): it ran with
        // the new config, from the source's copied state. Before, params.json was written when the exploit was decided and the
        // copy made when the run had wound down (a whole training step later): the crash in between left the new config on
        // the trial's own state, half an exploit (kill -9 fuzzing, pbt_async_fn: 6 of 30 runs).
        Assert.Equal(newX, Convert.ToDouble(history[4]["ran_x"]));
        Assert.Equal(source, history[4]["from"]);
        Assert.Equal(3L, Convert.ToInt64(history[4]["training_iteration"])); // the source's iteration 2, one on
    }

    [Fact]
    public async Task PbtExploitCopiedIn_CrashBeforeParamsJsonIsRewritten_TrialContinuesTheCopyWithTheNewConfig()
    {
        using var temp = new TempDirectory();

        // The copy is in place, params.json still holds the old config: a crash between the two writes.
        var (history, newX, source) = await ExploitThenCrash(temp, trialDir =>
            File.WriteAllText(Path.Combine(trialDir, "params.json"), "{\n  \"x\": 0.1\n}"));

        // Before, the resume took params.json: the source's copied state went on with the old config (kill -9 fuzzing,
        // pbt_sync_cls, where a waiting member's copy and its params.json are written one after the other).
        Assert.Equal(source, history[4]["from"]);
        Assert.Equal(newX, Convert.ToDouble(history[4]["ran_x"]));
    }

    /// <summary>Counts to 3, a checkpoint with every result. Trial 4 waits before its first step until a snapshot shows
    /// trials 2 and 3 paused (at HyperBand's milestone), and copies it: the snapshot a crash after trial 4's step leaves.</summary>
    private static async Task HalvingCounter(TrialContext trial, string experiment, Action<StateFileCopy> keep)
    {
        long step = trial.GetCheckpoint()?.Read(dir => long.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")))) ?? 0;
        while (step < 3)
        {
            step++;
            if (trial.TrialId.EndsWith("_00004", StringComparison.Ordinal) && step == 1)
            {
                StateFileCopy? copy = null;
                await WaitFor(() => (copy = StateFileCopy.Take(experiment)) is not null && Paused(copy, "_00002") && Paused(copy, "_00003"));
                keep(copy!);
            }
            if (Crashed)
                await Task.Delay(Timeout.Infinite, trial.CancellationToken); // nothing runs after the crash
            long s = step;
            await trial.ReportAsync(new Metrics { ["score"] = trial.Config.Get<double>("x") + s },
                Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
        }
    }

    private static volatile bool Crashed;

    private static bool Paused(StateFileCopy copy, string idSuffix)
    {
        using var doc = JsonDocument.Parse(copy.Bytes);
        return doc.RootElement.GetProperty("trials").EnumerateArray().Any(t =>
            t.GetProperty("trial_id").GetString()!.EndsWith(idSuffix, StringComparison.Ordinal) && t.GetProperty("status").GetString() == "PAUSED");
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
            await Task.Delay(20);
        Assert.True(condition(), "the condition never held");
    }

    /// <summary>Copies the state file when the first trial starts: a crash then leaves the snapshot the resume wrote.</summary>
    private sealed class CopyAtStart(string experiment) : TuneSharp.Reporting.TuneCallback
    {
        public StateFileCopy? Copy { get; private set; }
        public override void OnTrialStart(TrialInfo trial) => Copy ??= StateFileCopy.Take(experiment);
    }

    [Fact]
    public async Task HyperBandHalvesWhenAResumeHearsOfAnEnd_CrashRightAfterTheResume_TheTrialItStoppedIsNotLeftPaused()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "hb");
        // MaxT = 3, η = 3: bracket s = 0 takes trials 0 and 1 to 3; bracket s = 1 takes trials 2, 3 and 4 to milestone 1
        // and keeps the best of them. One trial at a time: trials 2 and 3 pause at 1, trial 4 (the worst) gets there last
        // and is stopped (its line says done); trial 3 is stopped with it.
        var space = new SearchSpace { ["x"] = Tune.GridSearch(0.9, 0.8, 0.5, 0.4, 0.1) };
        TuneConfig Tune1() => new() { Metric = "score", Mode = Mode.Max, MaxConcurrentTrials = 1,
            Scheduler = new HyperBandScheduler { MaxT = 3, ReductionFactor = 3 } };
        StateFileCopy? copy = null;
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "hb", Verbose = 0, StateSnapshotInterval = TimeSpan.FromMilliseconds(50) };
        // The crash comes right after trial 4's line (cancelling stands for it: nothing runs after that line).
        using var cts = new CancellationTokenSource();
        var crash = new CancelAt((t, r) => t.Index == 4, cts);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new Tuner(t => HalvingCounter(t, experiment, c => copy ??= c), space, Tune1(), runConfig with { Callbacks = [crash] }).FitAsync(cts.Token));
        Crashed = false;
        copy!.PutBack(); // trials 2 and 3 paused, trial 4 about to report

        // The resume hears that trial 4 ended; HyperBand halves trials 2 and 3 and stops trial 3, which it no longer counts.
        // The crash comes as the first trial starts after the resume, before the next snapshot.
        var atStart = new CopyAtStart(experiment);
        Func<TrialContext, Task> train = t => HalvingCounter(t, experiment, _ => { });
        await Tuner.Restore(experiment, train, space, Tune1(), runConfig with { Callbacks = [atStart] }).FitAsync();
        atStart.Copy!.PutBack();

        var grid = await Tuner.Restore(experiment, train, space, Tune1(), runConfig).FitAsync();

        // Before, the resume's snapshot held HyperBand's state after the halving, but trial 3 still paused: the stop was lost,
        // and HyperBand, which no longer counted the trial, never ran or stopped it. The experiment ended with it paused
        // (kill -9 fuzzing, bohb).
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
    }

    private sealed class CancelAt(Func<TrialInfo, IReadOnlyDictionary<string, object?>, bool> when, CancellationTokenSource cts)
        : TuneSharp.Reporting.TuneCallback
    {
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
        {
            if (when(trial, result))
            {
                Crashed = true;
                cts.Cancel();
            }
        }
    }

    [Fact]
    public async Task Pbt_FinishedTrials_KeepNoMoreCheckpointsThanNumToKeep()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.GridSearch(0.1, 0.4, 0.6, 0.9) };
        var tuneConfig = new TuneConfig
        {
            Metric = "score", Mode = Mode.Max, Seed = 1, MaxConcurrentTrials = 2,
            Scheduler = new PopulationBasedTraining
            {
                TimeAttr = "training_iteration", PerturbationInterval = 2, QuantileFraction = 0.25,
                HyperparamMutations = new SearchSpace { ["x"] = new List<object?> { 0.1, 0.4, 0.6, 0.9 } },
            },
        };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "keep", Verbose = 0, CheckpointConfig = new CheckpointConfig { NumToKeep = 1 } };

        // Each ends at 5, one step after its last perturbation (at 4).
        var grid = await new Tuner(t => CheckpointedCounter.Run(t, 5), space, tuneConfig, runConfig).FitAsync();

        // Before, a trial kept the checkpoint it offered PBT as a source (its state at its last perturbation) besides its
        // latest after it finished: nothing applied retention again once PBT let go of it (kill -9 fuzzing, every PBT mode,
        // also without a crash).
        Assert.All(grid, r => Assert.Single(Directory.GetDirectories(r.Path, "checkpoint_*")));
    }

    /// <summary>Copies the experiment folder at the first result <paramref name="when"/> holds for: callbacks hear of a
    /// result after the scheduler decided on it and its line was written, before the decision is carried out.</summary>
    private sealed class ImageAt(string experiment, string image, Func<TrialInfo, IReadOnlyDictionary<string, object?>, bool> when)
        : TuneSharp.Reporting.TuneCallback
    {
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
        {
            if (!Directory.Exists(image) && when(trial, result))
                CopyTree(experiment, image);
        }
    }

    [Fact]
    public async Task PbtExploitDecided_CrashBeforeItIsCarriedOut_PolicyLogsHoldOnlyExploitsThatHappened()
    {
        using var temp = new TempDirectory();
        string experiment = Path.Combine(temp.Path, "pbt");
        string image = Path.Combine(temp.Path, "image");
        ExploitCounter.Image = null;
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "pbt", Verbose = 0, StateSnapshotInterval = TimeSpan.FromMinutes(10) };
        // Trial 0 is told to exploit trial 1 at its iteration 4 (see ExploitThenCrash); the crash comes right after that decision.
        var imager = new ImageAt(experiment, image, (t, r) => t.Index == 0 && Convert.ToInt64(r["training_iteration"]) == 4);
        var first = await new Tuner(t => ExploitCounter.Run(t), PbtSpace, PbtConfig(), runConfig with { Callbacks = [imager] }).FitAsync();
        Assert.True(Directory.Exists(image));
        Directory.Delete(experiment, recursive: true);
        Directory.Move(image, experiment);

        var grid = await Tuner.Restore(experiment, t => ExploitCounter.Run(t), PbtSpace, PbtConfig(), runConfig).FitAsync();

        // Every exploit pbt_global.txt records happened: some run of its target went on from the source's state with the
        // new config. Before, the line was written when the exploit was decided, and the crash left one that never happened
        // (kill -9 fuzzing: pb2_fn, pbt_async_fn); a replay of the trial's pbt_policy file would have applied it.
        // (The resumed run decides the same exploit again, so each must be matched by a run of its own.)
        var runs = new List<(string Target, string From, double X)>(); // each run of each trial: whose state, which config
        foreach (var result in grid)
        {
            var rows = result.ReadHistory();
            for (int i = 0; i < rows.Count; i++)
                if (i == 0 || (string?)rows[i]["from"] != (string?)rows[i - 1]["from"] || Convert.ToDouble(rows[i]["ran_x"]) != Convert.ToDouble(rows[i - 1]["ran_x"])
                    || Convert.ToInt64(rows[i]["training_iteration"]) != Convert.ToInt64(rows[i - 1]["training_iteration"]) + 1)
                    runs.Add((result.TrialName, (string)rows[i]["from"]!, Convert.ToDouble(rows[i]["ran_x"])));
        }
        var ids = grid.ToDictionary(r => r.TrialName, r => r.TrialId);
        var logged = File.ReadAllLines(Path.Combine(experiment, "pbt_global.txt")).Select(line =>
        {
            using var entry = JsonDocument.Parse(line);
            var e = entry.RootElement;
            return (Target: e[0].GetString()!, From: ids[e[1].GetString()!], X: e[5].GetProperty("x").GetDouble());
        }).ToList();
        Assert.NotEmpty(logged);
        foreach (var exploit in logged.Distinct())
            Assert.True(logged.Count(l => l == exploit) <= runs.Count(r => r == exploit), $"{exploit} logged more often than it ran");
    }
}
