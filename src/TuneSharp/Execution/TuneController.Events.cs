using System.Globalization;
using Microsoft.Extensions.Logging;
using TuneSharp.Reporting;
using TuneSharp.Schedulers;
using TuneSharp.Storage;

namespace TuneSharp.Execution;

internal sealed partial class TuneController
{
    private static readonly int ProcessId = Environment.ProcessId;
    private static readonly string HostName = Environment.MachineName;

    private void Handle(ControllerMessage message)
    {
        bool current = _trialsById.TryGetValue(message.Run.TrialId, out Trial? trial) && ReferenceEquals(trial.Run, message.Run);
        switch (message)
        {
            case ReportMessage report when !current:
                DiscardStaged(report.Report);
                _acks.Add((report.Report, TrialStopReason.Stop)); // a late report of an ended run
                break;
            case ReportMessage report:
                HandleReport(trial!, report.Report);
                break;
            case RunFinishedMessage finished when current:
                HandleRunFinished(trial!, finished.Error);
                break;
        }
    }

    private void HandleReport(Trial trial, TrialReport report)
    {
        if (report.Metrics is null)
        {
            if (trial.PendingAction == TrialAction.Restart && trial.RestoreFrom is not null)
            {
                // An exploit's copy is in already and the trial continues from it: a save of the state it throws away
                // would be its newest checkpoint, and what a resume after a crash continues.
                DiscardStaged(report);
                _acks.Add((report, null));
                return;
            }
            // A save holds the state of the last result of this run, or, before its first, of the checkpoint it began
            // from (after a resume the last line on disk may be newer than that).
            var saved = trial.IterationsSinceRestore == 0 && trial.RestoredResult is { } restored ? restored : trial.LastResult;
            // A step that finished after the trial was told to stop has no line; its state is one step on.
            if (report.StepsDone is { } steps && saved is not null
                && ResultFields.TryGetDouble(saved, ResultFields.TrainingIteration, out double iteration) && (long)iteration != steps)
                saved = new Dictionary<string, object?>(saved) { [ResultFields.TrainingIteration] = steps };
            PersistCheckpoint(trial, report, saved, unnamed: true);
            ApplySchedulerDecisions(); // the scheduler may act on the checkpoint (synchronous PBT of class trainables)
            _acks.Add((report, null));
            return;
        }
        if (trial.PendingAction is { } pending)
        {
            // Decided already (e.g. the experiment is stopping): results after a stop are not recorded, as Ray.
            DiscardStaged(report);
            _acks.Add((report, ToStopReason(pending, trial)));
            return;
        }
        var result = Enrich(trial, report);
        if (report.StagedCheckpoint is not null)
            result[ResultFields.CheckpointDirName] = ExperimentStore.CheckpointDirName(trial.Checkpoints.NextIndex);
        if (!CheckMetricsPresent(trial, result, withCheckpoint: report.StagedCheckpoint is not null))
        {
            DiscardStaged(report);
            _acks.Add((report, TrialStopReason.Stop));
            return;
        }
        trial.LastResult = result;
        trial.Analysis.Add(result);
        // The decision comes before the line, so that a trial's last line says done when a stopper or the scheduler
        // ended it, as Ray writes it (and a resume knows it ended). The checkpoint that came with the result is the
        // trial's latest for the decision (PBT may offer it as a source): it is moved into place right below.
        TrialInfo info = report.StagedCheckpoint is null ? trial.Snapshot()
            : trial.Snapshot() with { LatestCheckpoint = Path.Combine(trial.Directory, ExperimentStore.CheckpointDirName(trial.Checkpoints.NextIndex)) };
        _searcher.OnTrialResult(trial.Id, result);
        // A result marked done ends the trial as a stopper would (Ray's Trial.should_stop): the scheduler hears of it
        // through OnTrialComplete, never as a result it could pause or restart a finished trainable on.
        bool stopperSaysStop = _runConfig.Stop?.ShouldStopTrial(trial.Id, result) == true | result[ResultFields.Done] is true;
        TrialDecision decision = stopperSaysStop ? TrialDecision.Stop : _scheduler.OnTrialResult(info, result);
        if (decision.Action == TrialAction.Stop)
            result[ResultFields.Done] = true;
        // The line first, then its checkpoint: a crash between the two leaves a line naming a checkpoint that never
        // arrived, so a resume continues from the one before at that one's iteration (the other order left a
        // checkpoint paired with the previous line, and every later iteration numbered one short).
        trial.Writer!.Write(result, _formatter);
        trial.Run!.SetIteration(trial.Iteration);
        if (_runConfig.Verbose >= 3 || _logger.IsEnabled(LogLevel.Debug))
            _logger.LogDebug("Trial {Trial} iteration {Iteration}: {Result}", trial.Name, trial.Iteration, FormatMetrics(result));
        // Callbacks get a copy (as Ray's): one that keeps or changes it cannot change the trial's.
        if (_runConfig.Callbacks.Count > 0)
        {
            var copy = new Dictionary<string, object?>(result);
            var seen = info with { LastResult = copy };
            Notify(nameof(TuneCallback.OnTrialResult), c => c.OnTrialResult(seen, copy));
        }
        if (report.StagedCheckpoint is not null)
            PersistCheckpoint(trial, report, result);
        Apply(trial, decision, byScheduler: !stopperSaysStop);
        report.SaveRequested = decision.SaveCheckpoint && decision.Action == TrialAction.Continue && report.StagedCheckpoint is null;
        ApplySchedulerDecisions();
        _acks.Add((report, trial.PendingAction is { } action ? ToStopReason(action, trial) : null));
        if (_runConfig.Stop?.ShouldStopAll() == true)
            StopAll("a stopper ended the experiment");
    }

    private (long Second, TimeSpan Offset, string? Text) _date;

    /// <summary>The date field, made once per second rather than per result.</summary>
    private string DateText(DateTimeOffset now)
    {
        long second = now.Ticks / TimeSpan.TicksPerSecond;
        if (_date.Text is null || second != _date.Second || now.Offset != _date.Offset)
            _date = (second, now.Offset, now.ToString(TrialNaming.DateFormat, CultureInfo.InvariantCulture));
        return _date.Text;
    }

    private Dictionary<string, object?> Enrich(Trial trial, TrialReport report)
    {
        var result = report.Metrics!;
        // As Ray's Trainable.train: a time_this_iter_s the trainable reported is the iteration's time, and counts in the totals.
        double seconds = result.TryGetValue(ResultFields.TimeThisIterS, out object? given) && JsonValues.TryGetDouble(given, out double reported)
            && double.IsFinite(reported) ? reported : report.Seconds;
        trial.Iteration++;
        trial.IterationsSinceRestore++;
        trial.TimeTotal += seconds;
        trial.TimeSinceRestore += seconds;
        DateTimeOffset now = _time.GetLocalNow();
        result[ResultFields.Timestamp] = now.ToUnixTimeSeconds();
        result[ResultFields.CheckpointDirName] = null;
        if (!result.ContainsKey(ResultFields.Done))
            result[ResultFields.Done] = false;
        result[ResultFields.TrainingIteration] = trial.Iteration;
        result[ResultFields.TrialId] = trial.Id;
        result[ResultFields.Date] = DateText(now);
        result[ResultFields.TimeThisIterS] = seconds;
        result[ResultFields.TimeTotalS] = trial.TimeTotal;
        result[ResultFields.Pid] = ProcessId;
        result[ResultFields.Hostname] = HostName;
        result[ResultFields.NodeIp] = "127.0.0.1";
        result[ResultFields.Config] = trial.Config;
        result[ResultFields.TimeSinceRestore] = trial.TimeSinceRestore;
        result[ResultFields.IterationsSinceRestore] = trial.IterationsSinceRestore;
        return result;
    }

    /// <summary>The keys every result must hold: the experiment's metric, the stop keys, and what the scheduler and the
    /// searcher work on (their metric, a time attribute), each once, named by the first option that needs it.</summary>
    private List<RequiredResultKey> RequiredResultKeys()
    {
        var required = new List<RequiredResultKey>();
        if (_tuneConfig.Metric is { } metric)
            required.Add(new(metric, "TuneConfig.Metric"));
        required.AddRange(_runConfig.Stop?.RequiredResultKeys ?? []);
        required.AddRange(_scheduler.RequiredResultKeys);
        required.AddRange(_searcher.RequiredResultKeys);
        return required.DistinctBy(r => r.Key).ToList();
    }

    /// <summary>Ray fails an experiment whose results lack the metric it optimises, a stop key, or the metric its
    /// scheduler or searcher works on: that is a configuration error, better reported at once than after hours of
    /// trials that nothing stops and nothing learns from. So is a checkpoint saved with a result that lacks the
    /// attribute retention ranks checkpoints by (Ray logs that one and ranks the checkpoint last).</summary>
    private bool CheckMetricsPresent(Trial trial, Dictionary<string, object?> result, bool withCheckpoint)
    {
        foreach (var (key, where) in _requiredKeys)
            if (!Holds(result, key))
                return Missing(trial, result, key, where, "every result");
        if (withCheckpoint && _runConfig.CheckpointConfig.CheckpointScoreAttribute is { } attribute && !Holds(result, attribute))
            return Missing(trial, result, attribute, "CheckpointConfig.CheckpointScoreAttribute", "every result that carries a checkpoint");
        return true;
    }

    private static bool Holds(Dictionary<string, object?> result, string key) =>
        ResultFields.TryGetDouble(result, key, out _) || result.ContainsKey(key);

    private bool Missing(Trial trial, Dictionary<string, object?> result, string key, string where, string which)
    {
        var reported = result.Keys.Where(k => !ResultFields.Automatic.Contains(k)).ToList();
        Fail(new TuneException(
            $"Trial {trial.Name} reported a result without '{key}', named in {where}. " +
            $"It reported: {(reported.Count == 0 ? "nothing but the automatic fields" : string.Join(", ", reported))}. " +
            $"Report '{key}' in {which}, or name one of the reported metrics in {where}."));
        return false;
    }

    private void Apply(Trial trial, TrialDecision decision, bool byScheduler)
    {
        if (decision.Action == TrialAction.Continue)
            return;
        trial.PendingAction = decision.Action;
        trial.StoppedByScheduler = byScheduler && decision.Action == TrialAction.Stop;
        if (decision.Action == TrialAction.Restart)
        {
            trial.Config = decision.NewConfig ?? trial.Config;
            trial.RestoreFrom = decision.FromCheckpoint;
            if (decision.NewResources is { } resources)
                Reallocate(trial, resources);
            // An exploit's copy comes in now, as the trial's newest checkpoint, and only then its new config, not when the
            // run has wound down (a whole training step later): a crash in between left the new config in params.json
            // (which a resume takes) on the trial's own state, half an exploit.
            if (decision.FromCheckpoint is not null)
                CopyInSource(trial);
            // Saved at once, not when the run has wound down: a snapshot in between holds the new config, and a resume
            // takes params.json, which must not be the older of the two.
            if (decision.NewConfig is not null)
                ExperimentStore.WriteParams(trial.Directory, trial.Config);
        }
        trial.Run!.RequestStop(ToStopReason(decision.Action, trial));
    }

    /// <summary>Carries out the scheduler's decisions for trials other than the one in hand. A running trial
    /// is told at once (a later word overrides a pause); a waiting one is stopped or restarted right here,
    /// without calling the scheduler back (it already knows).</summary>
    private void ApplySchedulerDecisions()
    {
        foreach (var (id, decision) in _scheduler.TakeDecisions())
        {
            if (!_trialsById.TryGetValue(id, out Trial? trial) || decision.Action == TrialAction.Continue)
                continue;
            if (trial.Run is not null)
            {
                if (trial.PendingAction is null or TrialAction.Pause)
                    Apply(trial, decision, byScheduler: true);
            }
            else if (trial.Status is TrialStatus.Pending or TrialStatus.Paused)
            {
                _stateDirty = true;
                if (decision.Action == TrialAction.Stop)
                {
                    _waiting.Remove(trial);
                    trial.StoppedByScheduler = true;
                    Terminate(trial, notifyScheduler: false);
                }
                else if (decision.Action == TrialAction.Restart)
                {
                    if (decision.NewResources is { } resources)
                        Reallocate(trial, resources); // checked as for a running trial: one that can never fit would wait forever
                    _waiting.Remove(trial);
                    trial.Config = decision.NewConfig ?? trial.Config;
                    trial.RestoreFrom = decision.FromCheckpoint;
                    RestartFromCheckpoint(trial);
                }
            }
        }
    }

    private void Reallocate(Trial trial, Resources resources)
    {
        string owner = $"{_scheduler.GetType().Name}'s reallocation of trial {trial.Name}";
        resources.Validate(owner); // a custom allocation function may propose nothing, or NaN
        _pool.EnsureCanEverFit(resources, owner);
        trial.Resources = resources;
    }

    private static TrialStopReason ToStopReason(TrialAction action, Trial trial) => action switch
    {
        TrialAction.Pause => TrialStopReason.Pause,
        // A restart from the trial's own state (a reallocation) is a pause to the trainable: a class trainable saves
        // first and continues from that save, as Ray pauses such a trial. An exploit continues from another's checkpoint.
        TrialAction.Restart when trial.RestoreFrom is null => TrialStopReason.Pause,
        TrialAction.Restart => TrialStopReason.Restart,
        _ => TrialStopReason.Stop,
    };

    private void HandleRunFinished(Trial trial, Exception? error)
    {
        TrialRun run = trial.Run!;
        trial.Run = null;
        _pool.Release(run.Grant); // what this run held: a reallocation may have changed the trial's since
        _running--;
        _stateDirty = true;
        // After the bookkeeping: an error closing the files ends the experiment, and the loop must still see that
        // nothing runs.
        TrialResultWriter? writer = trial.Writer;
        trial.Writer = null;
        writer?.Dispose();
        bool stoppedByUs = run.StopReason is not null && error is null or OperationCanceledException;
        if (error is not null && !stoppedByUs)
        {
            HandleFailure(trial, error);
            return;
        }
        switch (trial.PendingAction)
        {
            case TrialAction.Pause:
                trial.Status = _interrupted ? TrialStatus.Pending : TrialStatus.Paused;
                _waiting.Add(trial);
                _logger.LogInformation("Trial {Trial} paused at iteration {Iteration}", trial.Name, trial.Iteration);
                break;
            case TrialAction.Restart:
                RestartFromCheckpoint(trial);
                break;
            default:
                Terminate(trial);
                break;
        }
    }

    private void Terminate(Trial trial, bool notifyScheduler = true)
    {
        trial.Status = TrialStatus.Terminated;
        _snapshotSoon = true;
        if (trial.LastResult is { } last)
            trial.LastResult = new Dictionary<string, object?>(last) { [ResultFields.Done] = true };
        TrialInfo info = trial.Snapshot();
        _searcher.OnTrialComplete(trial.Id, trial.LastResult, error: false);
        if (notifyScheduler)
        {
            if (trial.StoppedByScheduler)
                _scheduler.OnTrialRemove(info);
            else
                _scheduler.OnTrialComplete(info, trial.LastResult);
            ApplySchedulerDecisions();
        }
        // The scheduler may have kept one of its checkpoints (PBT's exploit source) until now: retention applies again.
        foreach (string doomed in trial.Checkpoints.Prune(KeptForScheduler))
            ExperimentStore.DeleteCheckpoint(doomed);
        _logger.LogInformation("Trial {Trial} {How} after {Iterations} iterations", trial.Name,
            trial.StoppedByScheduler ? "stopped early by the scheduler" : "completed", trial.Iteration);
        Notify(nameof(TuneCallback.OnTrialComplete), c => c.OnTrialComplete(info));
    }

    private void HandleFailure(Trial trial, Exception error)
    {
        trial.NumFailures++;
        trial.ErrorMessage = $"{error.GetType().Name}: {error.Message}";
        trial.ErrorFile = ExperimentStore.AppendError(trial.Directory, trial.NumFailures, error, _time.GetLocalNow());
        bool retry = !_stopping && HasRetriesLeft(trial);
        // A failure that ends the trial reaches callbacks with the trial in error, as Ray's on_trial_error.
        TrialInfo info = retry ? trial.Snapshot() : trial.Snapshot() with { Status = TrialStatus.Error };
        _logger.LogWarning("Trial {Trial} failed ({Failures} failures): {Error}{Retry}", trial.Name, trial.NumFailures,
            trial.ErrorMessage, retry ? "; retrying from its latest checkpoint" : "");
        Notify(nameof(TuneCallback.OnTrialError), c => c.OnTrialError(info, error, retry));
        if (retry)
        {
            // A trial that failed while it was being restarted from another's checkpoint continues from that copy (made
            // when the exploit was decided); otherwise it retries from its own latest checkpoint.
            if (trial.RestoreFrom is not null)
            {
                RestartFromCheckpoint(trial);
                return;
            }
            trial.Status = TrialStatus.Pending;
            _waiting.AddFirst(trial);
            return;
        }
        trial.RestoreFrom = null;
        EndInError(trial);
        ApplySchedulerDecisions();
        if (_runConfig.FailureConfig.FailFast)
            StopAll($"trial {trial.Name} failed and FailureConfig.FailFast is set");
    }

    /// <summary>Whether FailureConfig allows one more try after the trial's failures so far.</summary>
    private bool HasRetriesLeft(Trial trial) =>
        !_runConfig.FailureConfig.FailFast && _runConfig.FailureConfig.MaxFailures is var max && (max == -1 || trial.NumFailures <= max);

    /// <summary>A trial failed for good: the searcher and the scheduler hear of it.</summary>
    private void EndInError(Trial trial)
    {
        trial.Status = TrialStatus.Error;
        _snapshotSoon = true;
        _searcher.OnTrialComplete(trial.Id, trial.LastResult, error: true);
        _scheduler.OnTrialError(trial.Snapshot());
    }

    /// <summary>PBT's exploit: copy the source checkpoint into this trial as its newest, then run again
    /// with the new config (already set) from that copy.</summary>
    private void RestartFromCheckpoint(Trial trial)
    {
        CopyInSource(trial);
        ExperimentStore.WriteParams(trial.Directory, trial.Config);
        trial.Status = TrialStatus.Pending;
        _waiting.AddFirst(trial);
    }

    /// <summary>Copies the checkpoint the trial is to continue from (another trial's, <see cref="Trial.RestoreFrom"/>) into
    /// the trial as its newest, and points RestoreFrom at the copy; nothing to do when it is in the trial's folder
    /// already (copied when the exploit was decided).</summary>
    private void CopyInSource(Trial trial)
    {
        if (trial.RestoreFrom is { } own && Path.GetDirectoryName(own) == trial.Directory)
            return;
        if (trial.RestoreFrom is { } gone && !Directory.Exists(gone))
        {
            // The scheduler's saved state can name a checkpoint that retention deleted after the snapshot it came from
            // (a resume after a crash): the trial goes on from its own latest checkpoint, with the new config.
            _logger.LogWarning("Trial {Trial} was to continue from {Source}, which no longer exists; it continues from its own latest checkpoint",
                trial.Name, gone);
            trial.RestoreFrom = null;
        }
        if (trial.RestoreFrom is { } source)
        {
            string staged = Path.Combine(trial.Directory, $".staging_checkpoint_{Guid.NewGuid():N}");
            Checkpoint.CopyDirectory(source, staged);
            ExperimentStore.WriteCheckpointConfig(staged, trial.Config);
            var copy = new TrialReport(null, staged, 0);
            // The copy carries the source's result, so the trial continues at the source's iteration.
            var sourceMetrics = OwnerOf(source)?.Checkpoints.Kept.FirstOrDefault(c => c.Path == source)?.Metrics;
            trial.RestoreFrom = PersistCheckpoint(trial, copy, sourceMetrics ?? ExperimentStore.ReadCheckpointResult(staged) ?? trial.LastResult, unnamed: true);
        }
    }

    /// <summary>The trial whose folder holds <paramref name="checkpoint"/>.</summary>
    private Trial? OwnerOf(string checkpoint)
    {
        string? directory = Path.GetDirectoryName(checkpoint);
        foreach (Trial trial in _trials)
            if (trial.Directory == directory)
                return trial;
        return null;
    }

    /// <summary>Moves a staged checkpoint into place as the trial's newest, paired with <paramref name="metrics"/>, and
    /// applies retention. With <paramref name="unnamed"/> no result line will name it (a save without a result, or an
    /// exploit's copy): its result goes into the folder (<see cref="ExperimentStore.CheckpointResultFile"/>), so that a
    /// resume pairs it with the right iteration rather than with whatever line came last.</summary>
    private string PersistCheckpoint(Trial trial, TrialReport report, IReadOnlyDictionary<string, object?>? metrics, bool unnamed = false)
    {
        if (unnamed && metrics is not null)
            ExperimentStore.WriteCheckpointResult(report.StagedCheckpoint!, metrics);
        int index = trial.Checkpoints.NextIndex;
        string path = ExperimentStore.PersistCheckpoint(trial.Directory, report.StagedCheckpoint!, index);
        report.PersistedCheckpoint = path;
        foreach (string doomed in trial.Checkpoints.Add(new StoredCheckpoint(path, index, metrics), KeptForScheduler))
            ExperimentStore.DeleteCheckpoint(doomed);
        _stateDirty = true;
        TrialInfo info = trial.Snapshot();
        _scheduler.OnTrialCheckpoint(info, path);
        Notify(nameof(TuneCallback.OnCheckpoint), c => c.OnCheckpoint(info, path));
        return path;
    }

    /// <summary>A checkpoint retention must keep: the scheduler's (PBT keeps its exploit sources). An exploit's copy is made
    /// when the exploit is decided, so nothing else needs keeping until it is made.</summary>
    private bool KeptForScheduler(string path) => _scheduler.NeedsCheckpoint(path);

    private static void DiscardStaged(TrialReport report)
    {
        if (report.StagedCheckpoint is { } staged)
            ExperimentStore.DeleteCheckpoint(staged);
    }

    private void Acknowledge()
    {
        // The results are written already (TrialResultWriter is unbuffered), so a crash loses nothing reported.
        foreach (var (report, verdict) in _acks)
            report.Verdict.TrySetResult(verdict);
        _acks.Clear();
    }

    private static string FormatMetrics(IReadOnlyDictionary<string, object?> result) =>
        string.Join(", ", result.Where(kv => !ResultFields.Automatic.Contains(kv.Key)).Select(kv => $"{kv.Key}={kv.Value}"));
}
