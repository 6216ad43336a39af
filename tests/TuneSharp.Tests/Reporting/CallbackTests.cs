using TuneSharp.Reporting;
using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.Reporting;

/// <summary>What callbacks hear, in which order, and what happens when one throws (as Ray's <c>tune.Callback</c>).</summary>
public class CallbackTests
{
    private sealed class Recorder : TuneCallback
    {
        public List<string> Events { get; } = new();
        public List<IReadOnlyDictionary<string, object?>> Results { get; } = new();
        public List<TrialInfo> Errors { get; } = new();

        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
        {
            Events.Add($"result {result[ResultFields.TrainingIteration]}");
            Results.Add(result);
        }

        public override void OnCheckpoint(TrialInfo trial, string path) => Events.Add($"checkpoint {Path.GetFileName(path)}");

        public override void OnTrialError(TrialInfo trial, Exception error, bool willRetry) => Errors.Add(trial);
    }

    private static RunConfig Run(TempDirectory temp, string name, params TuneCallback[] callbacks) =>
        new() { StoragePath = temp.Path, Name = name, Verbose = 0, Callbacks = callbacks };

    private static async Task CountTo(TrialContext trial, int last)
    {
        for (int i = 1; i <= last; i++)
            await trial.ReportAsync(new Metrics { ["score"] = (double)i });
    }

    [Fact]
    public async Task FitAsync_ResultWithACheckpoint_CallbacksHearTheResultFirst()
    {
        using var temp = new TempDirectory();
        var recorder = new Recorder();
        await new Tuner(async trial =>
            {
                for (int i = 1; i <= 2; i++)
                    await trial.ReportAsync(new Metrics { ["score"] = (double)i }, Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "i"), "x")));
            },
            new SearchSpace(), new TuneConfig(), Run(temp, "order", recorder)).FitAsync();

        Assert.Equal(["result 1", "checkpoint checkpoint_000000", "result 2", "checkpoint checkpoint_000001"], recorder.Events);
    }

    [Fact]
    public async Task FitAsync_TrialStoppedByAStopper_ItsLastResultSaysDoneInCallbacksAndOnDisk()
    {
        using var temp = new TempDirectory();
        var recorder = new Recorder();
        var grid = await new Tuner(trial => CountTo(trial, 10), new SearchSpace(), new TuneConfig(),
            Run(temp, "stopper", recorder) with { Stop = new() { [ResultFields.TrainingIteration] = 3 } }).FitAsync();

        Assert.Equal([false, false, true], recorder.Results.Select(r => r[ResultFields.Done]));
        Assert.Equal([false, false, true], grid[0].ReadHistory().Select(r => r[ResultFields.Done]));
    }

    [Fact]
    public async Task FitAsync_TrialStoppedByTheScheduler_ItsLastLineSaysDone()
    {
        using var temp = new TempDirectory();
        var grid = await new Tuner(async trial =>
            {
                for (int i = 1; i <= 10; i++)
                    await trial.ReportAsync(new Metrics { ["score"] = i / trial.Config.Get<double>("x") });
            },
            new SearchSpace { ["x"] = Tune.GridSearch(1.0, 2.0, 3.0, 4.0) },
            new TuneConfig
            {
                Metric = "score", Mode = Mode.Max, MaxConcurrentTrials = 1,
                Scheduler = new AsyncHyperBandScheduler { MaxT = 10, GracePeriod = 1, ReductionFactor = 2 },
            },
            Run(temp, "scheduler")).FitAsync();

        // One at a time, each trial scoring below the one before: ASHA ends the later ones early. Each trial's last line
        // says done, and no other line does.
        Assert.Contains(grid, r => r.ReadHistory().Count < 10);
        Assert.All(grid, r => Assert.Equal(r.ReadHistory().Count - 1, r.ReadHistory().TakeWhile(l => l[ResultFields.Done] is false).Count()));
    }

    [Fact]
    public async Task FitAsync_TrialFailsForGood_CallbacksSeeItInError()
    {
        using var temp = new TempDirectory();
        var recorder = new Recorder();
        await new Tuner(async trial =>
            {
                await trial.ReportAsync(new Metrics { ["score"] = 1.0 });
                throw new InvalidOperationException("failing on purpose");
            },
            new SearchSpace(), new TuneConfig(), Run(temp, "error", recorder)).FitAsync();

        Assert.Equal(TrialStatus.Error, Assert.Single(recorder.Errors).Status);
    }

    private sealed class Throwing : TuneCallback
    {
        public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
        {
            if (Convert.ToInt64(result[ResultFields.TrainingIteration]) == 2)
                throw new IOException("disk full");
        }
    }

    [Fact]
    public async Task FitAsync_ACallbackThrows_TheExperimentStopsWithAnErrorNamingItAndRestoreContinues()
    {
        using var temp = new TempDirectory();
        var space = new SearchSpace { ["x"] = Tune.GridSearch(1, 2, 3) };
        var tuneConfig = new TuneConfig { MaxConcurrentTrials = 1 };

        var error = await Assert.ThrowsAsync<TuneException>(() =>
            new Tuner(trial => CountTo(trial, 4), space, tuneConfig, Run(temp, "throws", new Throwing())).FitAsync());

        Assert.Contains("Throwing.OnTrialResult", error.Message);
        Assert.Contains("disk full", error.Message);
        Assert.Contains("Tuner.Restore", error.Message);
        // Nothing was ended by the callback's error: the restore runs every trial to its end.
        var grid = await Tuner.Restore(Path.Combine(temp.Path, "throws"), trial => CountTo(trial, 4), space, tuneConfig,
            Run(temp, "throws")).FitAsync();
        Assert.Equal(3, grid.Count);
        Assert.All(grid, r => Assert.Equal(4L, r.Metrics[ResultFields.TrainingIteration]));
    }

    private sealed class LastStatus : TuneCallback
    {
        public ExperimentStatus? Status { get; private set; }
        public override void OnExperimentEnd(ExperimentStatus status) => Status = status;
    }

    [Fact]
    public async Task OnExperimentEnd_Status_NamesTheBestTrialAndTheErroredOnes()
    {
        using var temp = new TempDirectory();
        var last = new LastStatus();
        await new Tuner(async trial =>
            {
                double x = trial.Config.Get<double>("x");
                await trial.ReportAsync(new Metrics { ["loss"] = Math.Abs(x - 2) });
                if (x == 3)
                    throw new InvalidOperationException("failing on purpose");
            },
            new SearchSpace { ["x"] = Tune.GridSearch(1.0, 2.0, 3.0) }, new TuneConfig { Metric = "loss", Mode = Mode.Min },
            Run(temp, "status", last)).FitAsync();

        Assert.Equal(2.0, last.Status!.BestTrial!.Config.Get<double>("x"));
        Assert.Equal(Mode.Min, last.Status.Mode);
        Assert.Equal(3.0, Assert.Single(last.Status.ErroredTrials!).Config.Get<double>("x"));
    }

    [Fact]
    public async Task OnStatus_MaxProgressRows_SetsHowManyTrialsTheStatusCarries()
    {
        using var temp = new TempDirectory();
        var last = new LastStatus();
        await new Tuner(_ => { }, new SearchSpace { ["x"] = Tune.GridSearch(Enumerable.Range(0, 30)) }, new TuneConfig(),
            Run(temp, "rows", last) with { ProgressReporter = new CliReporter { MaxProgressRows = 25 } }).FitAsync();

        Assert.Equal(25, last.Status!.Trials.Count);
    }
}
