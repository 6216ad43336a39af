namespace TuneSharp.Reporting;

/// <summary>
/// Hooks on experiment and trial events (Ray Tune's <c>tune.Callback</c>); every hook does nothing by default.
/// Hooks run on the controller's loop: keep them quick. A hook that throws ends the experiment, as in Ray: the trials are
/// interrupted (not ended), everything is saved, FitAsync throws a <see cref="TuneException"/> naming the callback, and
/// <c>Tuner.Restore</c> continues once the callback is fixed.
/// </summary>
public abstract class TuneCallback
{
    /// <summary>The experiment starts.</summary>
    public virtual void OnExperimentStart(string experimentPath) { }

    /// <summary>A trial's run starts (also after a pause, a failure or an exploit).</summary>
    public virtual void OnTrialStart(TrialInfo trial) { }

    /// <summary>A trial reported a result (with the automatic fields; a copy, yours to keep). A trial's last result says
    /// <c>done</c> when it ends with it, also when a stopper or the scheduler ended it. Comes before
    /// <see cref="OnCheckpoint"/> for a checkpoint reported with it.</summary>
    public virtual void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result) { }

    /// <summary>A checkpoint was stored at <paramref name="path"/>.</summary>
    public virtual void OnCheckpoint(TrialInfo trial, string path) { }

    /// <summary>A trial terminated (finished, or stopped by a stopper or the scheduler). After a restore it can come
    /// without an <see cref="OnTrialStart"/> in this run: for a trial the restore found finished after the last snapshot.</summary>
    public virtual void OnTrialComplete(TrialInfo trial) { }

    /// <summary>A trial's run failed; <paramref name="willRetry"/> says whether it will be retried (if not, the trial's status
    /// is already <see cref="TrialStatus.Error"/>).</summary>
    public virtual void OnTrialError(TrialInfo trial, Exception error, bool willRetry) { }

    /// <summary>Periodic status (at most every <see cref="StatusInterval"/>), for live views.</summary>
    public virtual void OnStatus(ExperimentStatus status) { }

    /// <summary>How often <see cref="OnStatus"/> is wanted; null for never. <value>The default value is null.</value></summary>
    public virtual TimeSpan? StatusInterval => null;

    /// <summary>The experiment ended; <paramref name="status"/> is its final state.</summary>
    public virtual void OnExperimentEnd(ExperimentStatus status) { }
}

/// <summary>A snapshot of an experiment for status views (Ray's "Tune Status" table).</summary>
/// <param name="ExperimentPath">The experiment folder.</param>
/// <param name="Started">When it started.</param>
/// <param name="Elapsed">How long it has run.</param>
/// <param name="SchedulerLines">The scheduler's status lines.</param>
/// <param name="ResourceUsage">Logical resource usage, e.g. <c>2.0/2 CPUs, 0/0 GPUs</c>.</param>
/// <param name="Metric">The experiment's metric, or null.</param>
/// <param name="ParameterPaths">The searched parameters, as table columns.</param>
/// <param name="CountsByStatus">How many trials are in each status.</param>
/// <param name="Trials">The trials to show: running first, then the most recent others (at most a few dozen).</param>
/// <param name="Mode">Whether the metric is minimised or maximised, or null.</param>
/// <param name="BestTrial">The trial whose last result is best by the metric (Ray's "Current best trial"), or null.</param>
/// <param name="ErroredTrials">The trials in error (at most a few dozen; <see cref="CountsByStatus"/> has them all).</param>
public sealed record ExperimentStatus(
    string ExperimentPath,
    DateTimeOffset Started,
    TimeSpan Elapsed,
    IReadOnlyList<string> SchedulerLines,
    string ResourceUsage,
    string? Metric,
    IReadOnlyList<string> ParameterPaths,
    IReadOnlyDictionary<TrialStatus, int> CountsByStatus,
    IReadOnlyList<TrialInfo> Trials,
    Mode? Mode = null,
    TrialInfo? BestTrial = null,
    IReadOnlyList<TrialInfo>? ErroredTrials = null);
