using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TuneSharp.Reporting;
using TuneSharp.Results;
using TuneSharp.Schedulers;
using TuneSharp.Search;
using TuneSharp.Storage;

namespace TuneSharp.Execution;

/// <summary>
/// The experiment's event loop: the only code that mutates experiment state. Trials run on their own
/// threads and talk to it through a channel; it asks the searcher for configs, the scheduler and stoppers
/// for decisions, the resource pool for room, and writes everything to the store.
/// </summary>
internal sealed partial class TuneController : IExperimentView
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly TrainableDefinition _trainable;
    private readonly SearchSpace _space;
    private readonly TuneConfig _tuneConfig;
    private readonly RunConfig _runConfig;
    private readonly ITrialExecutor _executor;
    private readonly ISearcher _searcher;
    private readonly ITrialScheduler _scheduler;
    private readonly ResourcePool _pool;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<ControllerMessage> _channel =
        Channel.CreateUnbounded<ControllerMessage>(new UnboundedChannelOptions
        {
            SingleReader = true,
            AllowSynchronousContinuations = true, // safe: the only continuation is the loop's wait (WaitForMessage)
        });
    private readonly List<Trial> _trials = new();
    private readonly Dictionary<string, Trial> _trialsById = new();
    private readonly WaitingList _waiting = new();
    private readonly List<(TrialReport Report, TrialStopReason? Verdict)> _acks = new();
    private readonly ResultFormatter _formatter = new();
    private readonly CancellationTokenSource _experimentCancellation = new();
    private string _experimentHex = Guid.NewGuid().ToString("N")[..5];
    private readonly int _seed;
    private ExperimentStore _store = null!;
    private DateTimeOffset _started;
    private long _startTimestamp;
    private int _running;
    private bool _searcherFinished;
    private bool _stopping;
    private bool _interrupted;
    private Exception? _fatal;
    private bool _stateDirty = true;
    private long _lastStateWrite;
    private readonly Dictionary<TuneCallback, long> _lastStatus = new();

    public TuneController(TrainableDefinition trainable, SearchSpace space, TuneConfig tuneConfig, RunConfig runConfig,
        ISearcher searcher, ITrialScheduler scheduler, ITrialExecutor executor)
    {
        _trainable = trainable;
        _space = space;
        _tuneConfig = tuneConfig;
        _runConfig = runConfig;
        _searcher = searcher;
        _scheduler = scheduler;
        _executor = executor;
        _time = runConfig.TimeProvider;
        _logger = runConfig.LoggerFactory?.CreateLogger("TuneSharp") ?? NullLogger.Instance;
        _pool = new ResourcePool(tuneConfig.AvailableResources ?? new Resources { Cpu = Environment.ProcessorCount, Gpu = GpuDetection.Count() });
        _seed = tuneConfig.Seed ?? Random.Shared.Next();
    }

    public string ExperimentPath => _store.Path;

    int IExperimentView.WaitingCount => _waiting.Count;
    int IExperimentView.RunningCount => _running;
    string IExperimentView.ExperimentPath => _store.Path;
    Resources IExperimentView.Capacity => _pool.Capacity;
    bool IExperimentView.SavesOnPause => _trainable.IsClassTrainable;
    Resources IExperimentView.LiveTrialResources => _trials
        .Where(t => t.Status is TrialStatus.Running or TrialStatus.Pending or TrialStatus.Paused)
        .Aggregate(new Resources { Cpu = 0 }, (sum, t) => sum with { Cpu = sum.Cpu + t.Resources.Cpu, Gpu = sum.Gpu + t.Resources.Gpu });
    bool IExperimentView.SearchFinished => _searcherFinished;
    bool IExperimentView.Stopping => _stopping;

    private List<RequiredResultKey> _requiredKeys = [];
    private IReadOnlyList<Trial> _endedAtResume = [];
    private List<string> _orphans = [];
    private ExperimentResume? _resume;

    public async Task<ResultGrid> RunAsync(string experimentPath, ExperimentResume? resume, CancellationToken cancellationToken)
    {
        _resume = resume;
        _pool.EnsureCanEverFit(_trainable.Resources, $"Trainable '{_trainable.Name}'");
        _started = _time.GetLocalNow();
        _startTimestamp = _time.GetTimestamp();
        _store = new ExperimentStore(experimentPath, _started);
        _store.WriteTunerSettings(TunerSettings());
        _searcher.Setup(new SearcherSetup(_space, _tuneConfig.Metric, _tuneConfig.Mode, _tuneConfig.NumSamples, _seed));
        _scheduler.Setup(_tuneConfig.Metric, _tuneConfig.Mode, _seed);
        _scheduler.Attach(this);
        _requiredKeys = RequiredResultKeys();
        if (resume is not null)
            Resume(resume);
        _logger.LogInformation("Experiment {Path} started: {Scheduler}", _store.Path, string.Join(" ", _scheduler.StatusLines()));
        Notify(nameof(TuneCallback.OnExperimentStart), c => c.OnExperimentStart(_store.Path));
        // Trials a resume found finished (their last line said done after the snapshot) end for the callbacks too.
        foreach (Trial trial in _endedAtResume)
        {
            TrialInfo info = trial.Snapshot();
            Notify(nameof(TuneCallback.OnTrialComplete), c => c.OnTrialComplete(info));
        }
        if (resume is not null)
        {
            // What the scheduler decided on hearing of trials that ended after the snapshot (HyperBand stops the waiting trials
            // of a bracket it halves then, and no longer counts them) is carried out before the state is written: a snapshot
            // with the scheduler's state after the decision but not the decision left such a trial paused for good.
            ApplySchedulerDecisions();
            // Errored trials to run again are no longer errored: a crash before the next periodic snapshot must not make a
            // later restore set the new attempt aside (restartErrored) or leave it out.
            WriteState();
        }
        try
        {
            await RunLoopOnOwnThread(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _channel.Writer.TryComplete();
            foreach (Trial trial in _trials)
                trial.Writer?.Dispose();
            _formatter.Dispose();
            WriteState();
            var status = BuildStatus();
            Notify(nameof(TuneCallback.OnExperimentEnd), c => c.OnExperimentEnd(status));
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (_fatal is not null)
            throw _fatal;
        _logger.LogInformation("Experiment {Path} finished: {Count} trials", _store.Path, _trials.Count);
        return new ResultGrid(_store.Path, _trials.Select(t => ResultFactory.FromTrial(t, _runConfig.CheckpointConfig)).ToList(), _tuneConfig.Metric, _tuneConfig.Mode);
    }

    /// <summary>
    /// Runs the loop on a thread of its own that sleeps when there is nothing to do. As an async loop on the
    /// thread pool, every message that woke it went writer → pool thread → loop; here the writer wakes the loop
    /// directly (the channel completes the wait on the writer's thread), one thread hand-off fewer per report and
    /// per trial end. On the 2-core benchmark machine that gave about 12% more results/s (docs/benchmarks.md).
    /// </summary>
    private Task RunLoopOnOwnThread(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Loop(cancellationToken);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }) { IsBackground = true, Name = "TuneSharp controller" }; // Start() flows the caller's execution context
        thread.Start();
        return done.Task;
    }

    private void Loop(CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        long nextTick = 0;
        while (true)
        {
            // Searcher, scheduler and user code run here outside any message (written out rather than through
            // Safely: this runs once per pass of the loop, and a delegate per pass showed in the results/s).
            try
            {
                if (!_stopping)
                    FillSlots();
                if (_running == 0 && (_stopping || NothingLeftToStart()))
                    return;
            }
            catch (Exception e)
            {
                Fail(e);
                if (_running == 0)
                    return;
            }
            int handled = 0;
            while (handled < 4096 && reader.TryRead(out ControllerMessage? message))
            {
                HandleSafely(message);
                handled++;
            }
            Acknowledge();
            if (handled == 0)
                WaitForMessage(reader, cancellationToken);
            if (_time.GetTimestamp() >= nextTick)
            {
                nextTick = _time.GetTimestamp() + (long)(Tick.TotalSeconds * _time.TimestampFrequency);
                Safely(() => OnTick(cancellationToken));
            }
        }
    }

    /// <summary>Runs searcher, scheduler, stopper or user code (a name creator, a SampleFrom) outside a message; an
    /// exception from it ends the experiment as one from a message does.</summary>
    private void Safely(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <summary>Ends the experiment on an error outside any trial's own code. The trials are interrupted, not ended, as
    /// by a Ctrl-C: once the cause is fixed, Tuner.Restore continues them (Ray's state after an error in its loop).</summary>
    private void Fail(Exception e)
    {
        _fatal ??= e;
        StopAll($"{e.GetType().Name}: {e.Message}", interrupt: true);
    }

    /// <summary>Calls a user's function, naming the option in the error it may throw.</summary>
    private static T UserCode<T>(string option, string trialId, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e)
        {
            throw new TuneException($"{option} threw {e.GetType().Name} for trial {trialId}: {e.Message}", e);
        }
    }

    /// <summary>An exception from a searcher, scheduler or stopper (a bad setting, or a bug) ends the
    /// experiment cleanly: the trials are interrupted (see <see cref="Fail"/>), everything is saved, and FitAsync rethrows it.</summary>
    private void HandleSafely(ControllerMessage message)
    {
        try
        {
            Handle(message);
        }
        catch (Exception e)
        {
            Fail(e);
            if (message is ReportMessage report)
            {
                // A checkpoint still staged (its line could not be written) is not left for a resume to puzzle over.
                if (report.Report.PersistedCheckpoint is null)
                {
                    try
                    {
                        DiscardStaged(report.Report);
                    }
                    catch (IOException)
                    {
                        // Left for the resume to clear (it deletes staging folders); the first error is the one to report.
                    }
                }
                _acks.Add((report.Report, TrialStopReason.Stop));
            }
        }
    }

    /// <summary>Sleeps until a message arrives, a tick passes, or the user cancels (OnTick handles the last two).</summary>
    private static void WaitForMessage(ChannelReader<ControllerMessage> reader, CancellationToken cancellationToken)
    {
        ValueTask<bool> ready = reader.WaitToReadAsync(CancellationToken.None);
        if (ready.IsCompleted)
        {
            _ = ready.Result; // consumed, so that the channel can reuse its waiter
            return;
        }
        try
        {
            // Once cancelled, the wait must still sleep: the trials take a moment to stop.
            ready.AsTask().Wait((int)Tick.TotalMilliseconds,
                cancellationToken.IsCancellationRequested ? CancellationToken.None : cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The user cancelled: the loop's next tick stops the trials.
        }
    }

    private void OnTick(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            StopAll("the experiment was cancelled", interrupt: true);
        else if (_tuneConfig.TimeBudget is { } budget && BudgetUsed >= budget)
            StopAll($"the time budget of {budget} was reached");
        else if (_runConfig.Stop?.ShouldStopAll() == true)
            StopAll("a stopper ended the experiment");
        if (_stateDirty && _time.GetElapsedTime(_lastStateWrite) >= StateSnapshotInterval)
            WriteState();
        PublishStatus();
    }

    private TimeSpan Elapsed => _time.GetElapsedTime(_startTimestamp);

    /// <summary>The time counted against <see cref="TuneConfig.TimeBudget"/>: this run's, and what the run a restore continues
    /// had used by its last snapshot (Ray's time_budget_s is a TimeoutStopper, saved with the experiment).</summary>
    private TimeSpan BudgetUsed => _budgetUsedBefore + Elapsed;

    private TimeSpan _budgetUsedBefore;

    private bool NothingLeftToStart() =>
        (_searcherFinished || _waiting.Count > 0) && ChooseTrialToRun() is null;

    /// <summary>Asks the scheduler for the next trial, then carries out any decisions choosing made (HyperBandForBohb
    /// halves a stalled bracket here, stopping the trials it drops).</summary>
    private TrialInfo? ChooseTrialToRun()
    {
        TrialInfo? chosen = _scheduler.ChooseTrialToRun(new WaitingTrials(_waiting));
        ApplySchedulerDecisions();
        return chosen is not null && _trialsById[chosen.TrialId].Status is TrialStatus.Pending or TrialStatus.Paused ? chosen : null;
    }

    private void FillSlots()
    {
        while (!_stopping)
        {
            TopUpPendingTrials();
            if (_waiting.Count == 0 || (_tuneConfig.MaxConcurrentTrials > 0 && _running >= _tuneConfig.MaxConcurrentTrials))
                return;
            TrialInfo? chosen = ChooseTrialToRun();
            if (chosen is null || !TryStart(_trialsById[chosen.TrialId]))
                return;
        }
    }

    /// <summary>
    /// Keeps a queue of created, not yet started trials, as Ray does for random and grid search (up to
    /// max(200, 1.1 × CPUs)), so that schedulers such as HyperBand see whole brackets. A model-based
    /// searcher is asked only when the trial can start at once, so that each suggestion knows every result
    /// so far (Ray gets the same by wrapping it in a ConcurrencyLimiter).
    /// </summary>
    private void TopUpPendingTrials()
    {
        int pending = _waiting.NewCount;
        int? limit = _tuneConfig.MaxPendingTrials
            ?? (_searcher is BasicVariantGenerator ? Math.Max(200, (int)(_pool.Capacity.Cpu * 1.1)) : null);
        if (limit is null)
        {
            if (pending == 0 && HasRoomForNewTrial())
                CreateTrial();
            return;
        }
        while (!_searcherFinished && pending < limit && CreateTrial())
            pending++;
    }

    private bool HasRoomForNewTrial() =>
        !_searcherFinished && (_tuneConfig.MaxConcurrentTrials == 0 || _running < _tuneConfig.MaxConcurrentTrials)
        && _pool.CanFit(_trainable.Resources);

    private bool CreateTrial()
    {
        bool capped = _searcher is not BasicVariantGenerator && _tuneConfig.NumSamples > 0 && _trials.Count >= _tuneConfig.NumSamples;
        string id = TrialNaming.TrialId(_experimentHex, _trials.Count);
        Suggestion suggestion = capped ? Suggestion.Finished : _searcher.Suggest(id);
        if (suggestion.Kind == SuggestionKind.Finished)
            _searcherFinished = true;
        if (suggestion.Kind != SuggestionKind.Config)
            return false;
        int index = _trials.Count;
        var trial = new Trial(id, TrialNaming.DefaultTrialName(_trainable.Name, id), index, _scheduler.CompleteConfig(suggestion.Config!),
            suggestion.SampledPaths, _trainable.Resources, _runConfig.CheckpointConfig, _time.GetLocalNow());
        var provisional = trial.Snapshot();
        string name = _tuneConfig.TrialNameCreator is { } nameCreator
            ? UserCode("TuneConfig.TrialNameCreator", id, () => nameCreator(provisional)) : trial.Name;
        if (name != trial.Name)
            trial = new Trial(id, name, index, trial.Config, trial.SampledPaths, trial.Resources, _runConfig.CheckpointConfig, trial.Created);
        var named = trial.Snapshot();
        string dirName = _tuneConfig.TrialDirnameCreator is { } creator
            ? TrialNaming.Sanitize(UserCode("TuneConfig.TrialDirnameCreator", id, () => creator(named)))
            : TrialNaming.DefaultDirName(trial.Name, index, TrialNaming.FormatParameters(trial.Config, trial.SampledPaths), trial.Created);
        bool adopted = _orphans.Count > 0 && TryAdoptOrphan(trial, dirName);
        if (!adopted)
            trial.Directory = _store.TrialDirectoryFor(dirName);
        _trials.Add(trial);
        _trialsById[id] = trial;
        _scheduler.OnTrialAdd(trial.Snapshot());
        _stateDirty = true;
        _snapshotSoon = true;
        if (adopted && trial.LastResult?.GetValueOrDefault(ResultFields.Done) is true)
            Terminate(trial); // it had finished
        else if (trial.Status == TrialStatus.Error)
            EndInError(trial); // it had failed for good (and the restore does not run errored trials again)
        else
            _waiting.Add(trial);
        return true;
    }

    private bool TryStart(Trial trial)
    {
        if (_pool.TryAcquire(trial.Resources) is not { } grant)
            return false;
        // The trial's own thread makes its folder (TrialRun.PrepareFolder), but callbacks may expect it to exist when they
        // hear of the start. Made before anything counts the trial as started: if it fails, the experiment ends with the
        // file system's error, and nothing waits for a run that never began.
        if (_runConfig.Callbacks.Count > 0)
        {
            try
            {
                Directory.CreateDirectory(trial.Directory);
            }
            catch
            {
                _pool.Release(grant);
                throw;
            }
        }
        _waiting.Remove(trial);
        trial.Status = TrialStatus.Running;
        trial.PendingAction = null;
        trial.StoppedByScheduler = false;
        trial.IterationsSinceRestore = 0;
        trial.TimeSinceRestore = 0;
        trial.Writer = new TrialResultWriter(trial.Directory);
        string? restore = trial.RestoreFrom ?? trial.Checkpoints.Latest?.Path;
        trial.RestoreFrom = null;
        trial.RestoredResult = null;
        if (restore is not null)
            RewindTo(trial, restore);
        else
        {
            if (trial.Iteration > 0)
            {
                // Nothing to resume from: the trainable starts over, and so does its iteration count, as in Ray.
                _logger.LogWarning("Trial {Trial} has no checkpoint to resume from; it restarts from scratch", trial.Name);
                trial.Iteration = 0;
                trial.TimeTotal = 0;
            }
            // A save before the first result holds a fresh state, whatever an earlier attempt's last line says.
            trial.RestoredResult = FreshStart;
        }
        var run = new TrialRun(trial.Id, trial.Name, trial.Directory, trial.Config, grant,
            unchecked(_seed * 1_000_003 + trial.Index), trial.Iteration, trial.Writer, _channel.Writer, _experimentCancellation.Token, _time);
        trial.Run = run;
        _running++;
        _stateDirty = true;
        var launch = new TrialLaunch(restore is null ? null : Checkpoint.AtPath(restore),
            _runConfig.CheckpointConfig.CheckpointFrequency, _runConfig.CheckpointConfig.CheckpointAtEnd);
        _logger.LogInformation("Trial {Trial} started{Restore}", trial.Name, restore is null ? "" : $" from {Path.GetFileName(restore)}");
        var info = trial.Snapshot();
        Notify(nameof(TuneCallback.OnTrialStart), c => c.OnTrialStart(info));
        _executor.Start(run, _trainable, launch);
        return true;
    }

    /// <summary>The result a fresh start's state is paired with (read only; shared by every trial).</summary>
    private static readonly IReadOnlyDictionary<string, object?> FreshStart =
        new Dictionary<string, object?> { [ResultFields.TrainingIteration] = 0L, [ResultFields.TimeTotalS] = 0.0 };

    /// <summary>A trial restored from a checkpoint continues from that checkpoint's iteration and time, as
    /// Ray's do: results after it follow on from the training state it holds.</summary>
    private static void RewindTo(Trial trial, string checkpoint)
    {
        trial.RestoredResult = trial.Checkpoints.Kept.FirstOrDefault(c => c.Path == checkpoint)?.Metrics;
        if (trial.RestoredResult is not { } metrics)
            return;
        if (ResultFields.TryGetDouble(metrics, ResultFields.TrainingIteration, out double iteration))
            trial.Iteration = (long)iteration;
        if (ResultFields.TryGetDouble(metrics, ResultFields.TimeTotalS, out double total))
            trial.TimeTotal = total;
    }

    /// <summary>Ends every trial that is not finished. An interrupted experiment (cancelled, or ended by an error outside
    /// the trials) leaves its unfinished trials pending, so that <see cref="Tuner.Restore(string, TrainableDefinition, SearchSpace?, TuneConfig?, RunConfig?, bool, bool)"/>
    /// continues them; otherwise they terminate.</summary>
    private void StopAll(string why, bool interrupt = false)
    {
        if (_stopping)
            return;
        _stopping = true;
        _interrupted = interrupt;
        _logger.LogInformation("Stopping all trials: {Why}", why);
        foreach (Trial trial in _trials)
            if (trial.Run is { } run)
            {
                trial.PendingAction ??= interrupt ? TrialAction.Pause : TrialAction.Stop;
                run.RequestStop(interrupt ? TrialStopReason.Pause : TrialStopReason.Stop);
            }
        if (interrupt)
            return;
        // Waiting trials (never started, paused, or due a retry) end too, as Ray's stop of all trials does.
        foreach (Trial trial in _waiting.ToList())
        {
            _waiting.Remove(trial);
            _stateDirty = true;
            Terminate(trial, notifyScheduler: false);
        }
    }

    /// <summary>Calls <paramref name="hook"/> on every callback. A callback that throws ends the experiment as any user
    /// code does (Ray's callbacks raise too): the trials are interrupted, everything is saved, and FitAsync throws an error naming
    /// the callback. The event at hand is handled to its end first.</summary>
    private void Notify(string hookName, Action<TuneCallback> hook)
    {
        foreach (TuneCallback callback in _runConfig.Callbacks)
        {
            try
            {
                hook(callback);
            }
            catch (Exception e)
            {
                Fail(new TuneException($"Callback {callback.GetType().Name}.{hookName} threw {e.GetType().Name}: {e.Message}. " +
                    "The experiment stopped; fix the callback, then continue with Tuner.Restore.", e));
            }
        }
    }
}
