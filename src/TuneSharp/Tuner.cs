using System.Globalization;
using TuneSharp.Execution;
using TuneSharp.Reporting;
using TuneSharp.Results;
using TuneSharp.Schedulers;
using TuneSharp.Search;
using TuneSharp.Storage;

namespace TuneSharp;

/// <summary>
/// Runs an experiment (Ray Tune's <c>tune.Tuner</c>): samples configs from the search space, runs a trial
/// per config in parallel, stops poor ones early, and returns a <see cref="ResultGrid"/>. Everything is
/// validated before the first trial starts.
/// </summary>
public sealed class Tuner
{
    private readonly TrainableDefinition _trainable;
    private readonly SearchSpace _space;
    private readonly TuneConfig _tuneConfig;
    private readonly RunConfig _runConfig;
    private ExperimentResume? _resume;
    private SavedTunerSettings? _saved;
    private ResultGrid? _results;

    /// <summary>A tuner for any trainable (function or class, with resources).</summary>
    public Tuner(TrainableDefinition trainable, SearchSpace? paramSpace = null, TuneConfig? tuneConfig = null, RunConfig? runConfig = null)
    {
        _trainable = trainable ?? throw new ArgumentNullException(nameof(trainable));
        _space = paramSpace ?? new SearchSpace();
        _tuneConfig = tuneConfig ?? new TuneConfig();
        _runConfig = runConfig ?? new RunConfig();
    }

    /// <summary>A tuner for an asynchronous function trainable.</summary>
    public Tuner(Func<TrialContext, Task> trainable, SearchSpace? paramSpace = null, TuneConfig? tuneConfig = null, RunConfig? runConfig = null)
        : this(TrainableDefinition.FromFunction(trainable), paramSpace, tuneConfig, runConfig) { }

    /// <summary>A tuner for a synchronous function trainable.</summary>
    public Tuner(Action<TrialContext> trainable, SearchSpace? paramSpace = null, TuneConfig? tuneConfig = null, RunConfig? runConfig = null)
        : this(TrainableDefinition.FromFunction(trainable), paramSpace, tuneConfig, runConfig) { }

    /// <summary>
    /// A tuner that resumes the interrupted experiment in <paramref name="experimentPath"/> (Ray's
    /// <c>Tuner.restore</c>): finished trials stay finished, unfinished ones continue from their latest
    /// checkpoint, and the searcher and scheduler continue from their saved state. TuneSharp stores data,
    /// not code, so pass the same trainable and search space as the interrupted run. Without
    /// <paramref name="tuneConfig"/>, the run's metric, mode, sample count, concurrency, time budget, seed and resources
    /// are read back from its <c>tuner.json</c> (possible when it left the searcher and scheduler unset; otherwise pass
    /// them); without <paramref name="runConfig"/>, so is its checkpoint config. Stoppers, callbacks and failure settings
    /// are code and come from <paramref name="runConfig"/> only; a <paramref name="runConfig"/> you pass must repeat the
    /// run's <see cref="RunConfig.CheckpointConfig"/>. As in Ray, the stoppers go on from what the run's did by its last
    /// snapshot (a <see cref="Stopping.TimeoutStopper"/>'s time used, a stopper's counts), and so does the time budget.
    /// </summary>
    /// <param name="experimentPath">The experiment folder, e.g. <c>~/tune_results/TrainMnist_2026-11-27_21-20-25</c>.</param>
    /// <param name="trainable">The experiment's trainable.</param>
    /// <param name="paramSpace">The experiment's search space.</param>
    /// <param name="tuneConfig">The experiment's tune config.</param>
    /// <param name="runConfig">Run settings; its name and storage path are taken from <paramref name="experimentPath"/>.</param>
    /// <param name="resumeErrored">Run errored trials again from their latest checkpoint.</param>
    /// <param name="restartErrored">Run errored trials again from scratch, with the retries any trial has. Their failed
    /// attempt's checkpoints, results and failures (<c>result.json</c>, <c>progress.csv</c>, <c>error.txt</c>, event files)
    /// move to <c>failed_attempt_N/</c> in the trial folder: kept, but no longer the trial's (Ray appends the new attempt's
    /// results to the failed one's).</param>
    /// <exception cref="TuneException">The folder holds no TuneSharp experiment; or no tune config was passed and the run
    /// used a searcher or scheduler other than the defaults. When the experiment starts, also: the metric, mode, searcher,
    /// scheduler, parameters or checkpoint config differ from the run's.</exception>
    public static Tuner Restore(string experimentPath, TrainableDefinition trainable, SearchSpace? paramSpace = null,
        TuneConfig? tuneConfig = null, RunConfig? runConfig = null, bool resumeErrored = false, bool restartErrored = false)
    {
        string path = Path.GetFullPath(HomePath.Expand(experimentPath));
        string stateFile = ExperimentStore.FindLatestState(path)
            ?? throw new TuneException($"Tuner.Restore: '{path}' holds no experiment state ({ExperimentStore.StatePrefix}*.json). Pass the folder of an experiment TuneSharp ran.");
        var saved = SavedTunerSettings.Read(path);
        var run = (runConfig ?? new RunConfig { CheckpointConfig = saved?.Checkpoints() ?? new CheckpointConfig() })
            with { Name = Path.GetFileName(path), StoragePath = Path.GetDirectoryName(path)! };
        var tuner = new Tuner(trainable, paramSpace, tuneConfig ?? saved?.Rebuild(), run);
        tuner._resume = new ExperimentResume(stateFile, resumeErrored, restartErrored);
        tuner._saved = saved;
        return tuner;
    }

    /// <summary>Resumes an experiment of a function trainable; see <see cref="Restore(string, TrainableDefinition, SearchSpace?, TuneConfig?, RunConfig?, bool, bool)"/>.</summary>
    public static Tuner Restore(string experimentPath, Func<TrialContext, Task> trainable, SearchSpace? paramSpace = null,
        TuneConfig? tuneConfig = null, RunConfig? runConfig = null, bool resumeErrored = false, bool restartErrored = false) =>
        Restore(experimentPath, TrainableDefinition.FromFunction(trainable), paramSpace, tuneConfig, runConfig, resumeErrored, restartErrored);

    /// <summary>Resumes an experiment of a synchronous function trainable; see <see cref="Restore(string, TrainableDefinition, SearchSpace?, TuneConfig?, RunConfig?, bool, bool)"/>.</summary>
    public static Tuner Restore(string experimentPath, Action<TrialContext> trainable, SearchSpace? paramSpace = null,
        TuneConfig? tuneConfig = null, RunConfig? runConfig = null, bool resumeErrored = false, bool restartErrored = false) =>
        Restore(experimentPath, TrainableDefinition.FromFunction(trainable), paramSpace, tuneConfig, runConfig, resumeErrored, restartErrored);

    /// <summary>Whether <paramref name="experimentPath"/> holds an experiment that <see cref="Restore(string, TrainableDefinition, SearchSpace?, TuneConfig?, RunConfig?, bool, bool)"/> can resume (Ray's <c>Tuner.can_restore</c>).</summary>
    public static bool CanRestore(string experimentPath) => ExperimentStore.FindLatestState(HomePath.Expand(experimentPath)) is not null;

    /// <summary>Runs the experiment to the end (Ray's <c>Tuner.fit()</c>).</summary>
    /// <exception cref="TuneException">The configuration is invalid, or a result lacked a key that the metric, a stopper, the
    /// scheduler, the searcher or the checkpoint ranking needs.</exception>
    public async Task<ResultGrid> FitAsync(CancellationToken cancellationToken = default)
    {
        Validate();
        var callbacks = new List<TuneCallback>(_runConfig.Callbacks);
        if (_runConfig.Verbose >= 1)
            callbacks.Add(new ConsoleStatusReporter(_runConfig.Verbose, _runConfig.ProgressReporter ?? new CliReporter()));
        var runConfig = _runConfig with { Callbacks = callbacks };
        ISearcher searcher = _tuneConfig.SearchAlg ?? new BasicVariantGenerator();
        ITrialScheduler scheduler = _tuneConfig.Scheduler ?? new FifoScheduler();
        if (FindBohb(searcher) is { } bohb)
            bohb.PairWith((HyperBandForBohb)scheduler); // Validate made sure it is one
        using var executor = new InProcessExecutor(_tuneConfig.ReuseActors);
        var controller = new TuneController(_trainable, _space, _tuneConfig, runConfig, searcher, scheduler, executor);
        string name = _runConfig.Name ?? TrialNaming.Sanitize(
            $"{_trainable.Name}_{_runConfig.TimeProvider.GetLocalNow().ToString(TrialNaming.DateFormat, CultureInfo.InvariantCulture)}");
        string path = Path.Combine(_runConfig.ResolveStoragePath(), name);
        _results = await controller.RunAsync(path, _resume, cancellationToken).ConfigureAwait(false);
        return _results;
    }

    /// <summary>The synchronous form of <see cref="FitAsync"/>.</summary>
    public ResultGrid Fit() => FitAsync().GetAwaiter().GetResult();

    /// <summary>
    /// The results (Ray's <c>Tuner.get_results</c>): those of the last <see cref="FitAsync"/>, or, for a tuner made by
    /// <see cref="Restore(string, TrainableDefinition, SearchSpace?, TuneConfig?, RunConfig?, bool, bool)"/> that has not run,
    /// the experiment's results as its folder holds them.
    /// </summary>
    /// <exception cref="TuneException">The tuner has not run, and restores no experiment.</exception>
    public ResultGrid GetResults() => _results
        ?? (_resume is not null ? ResultGrid.FromDirectory(Path.Combine(_runConfig.StoragePath, _runConfig.Name!))
            : throw new TuneException("Tuner.GetResults: this tuner has no results: FitAsync has not run, or failed (its experiment folder, " +
                "if it got that far, loads with ResultGrid.FromDirectory). Call FitAsync first, or Tuner.Restore an experiment to read its results."));

    /// <summary>The BohbSearch in <paramref name="searcher"/>, also inside a ConcurrencyLimiter or Repeater.</summary>
    private static BohbSearch? FindBohb(ISearcher? searcher) => searcher switch
    {
        BohbSearch bohb => bohb,
        ConcurrencyLimiter limiter => FindBohb(limiter.Searcher),
        Repeater repeater => FindBohb(repeater.Searcher),
        _ => null,
    };

    private void Validate()
    {
        _tuneConfig.Validate();
        _runConfig.Validate();
        _trainable.Resources.Validate($"Trainable '{_trainable.Name}'");
        _space.Validate();
        _saved?.Check(_tuneConfig, _space, _runConfig.CheckpointConfig);
        var checkpoints = _runConfig.CheckpointConfig;
        if (!_trainable.IsClassTrainable && (checkpoints.CheckpointFrequency > 0 || checkpoints.CheckpointAtEnd))
            throw new TuneException(
                $"CheckpointConfig.{(checkpoints.CheckpointFrequency > 0 ? $"CheckpointFrequency = {checkpoints.CheckpointFrequency}" : "CheckpointAtEnd = true")} only applies to class trainables, " +
                $"but '{_trainable.Name}' is a function. Pass a checkpoint to trial.ReportAsync(metrics, checkpoint) instead, as Ray's function API does.");
        if (_tuneConfig.ReuseActors && _tuneConfig.Scheduler is ResourceChangingScheduler)
            throw new TuneException(
                "TuneConfig.ReuseActors = true cannot be combined with ResourceChangingScheduler: a reused trainable keeps the " +
                "resources it was built with (its thread count, say), so a changed allocation would not reach it. Set ReuseActors = false.");
        if (FindBohb(_tuneConfig.SearchAlg) is not null && _tuneConfig.Scheduler is not HyperBandForBohb)
            throw new TuneException(
                $"TuneConfig.SearchAlg is a BohbSearch, but TuneConfig.Scheduler is {(_tuneConfig.Scheduler is null ? "not set (FIFO)" : $"a {_tuneConfig.Scheduler.GetType().Name}")}: " +
                "BohbSearch learns from the losses HyperBandForBohb measures at its milestones and gets none from any other scheduler. " +
                "Set TuneConfig.Scheduler = new HyperBandForBohb { MaxT = ... }.");
        if (_tuneConfig.SearchAlg is not null and not BasicVariantGenerator)
            foreach (var (path, primitive) in _space.Parameters())
                if (primitive is GridSearch)
                    throw new TuneException($"Search space parameter '{path}' is a GridSearch, which only the default BasicVariantGenerator expands; {_tuneConfig.SearchAlg.GetType().Name} cannot. Use Tune.Choice for '{path}', or drop SearchAlg.");
    }
}
