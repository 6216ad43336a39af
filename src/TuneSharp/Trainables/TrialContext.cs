using TuneSharp.Execution;

namespace TuneSharp;

/// <summary>
/// What a running trial sees (Ray's <c>ray.train</c> session): its config, where to write, and
/// <see cref="ReportAsync"/> to report metrics and checkpoints. One context per run of a trial.
/// </summary>
public sealed class TrialContext
{
    private readonly TrialRun _run;
    private long _lastReport;
    private Checkpoint? _checkpoint;

    internal TrialContext(TrialRun run, Checkpoint? restoredFrom)
    {
        _run = run;
        _checkpoint = restoredFrom;
        _lastReport = run.Time.GetTimestamp();
    }

    /// <summary>The trial's resolved config (Ray's <c>config</c> argument).</summary>
    public Config Config => _run.Config;

    /// <summary>The trial's id, e.g. <c>1a2b3_00000</c>.</summary>
    public string TrialId => _run.TrialId;

    /// <summary>The trial's name, e.g. <c>TrainMnist_1a2b3_00000</c>.</summary>
    public string TrialName => _run.TrialName;

    /// <summary>The trial's folder in storage; the trial may write its own files here.</summary>
    public string TrialDirectory => _run.TrialDirectory;

    /// <summary>The logical resources given to the trial (use <see cref="Resources.Cpu"/> as the thread count).</summary>
    public Resources Resources => _run.Resources;

    /// <summary>
    /// The GPUs this run holds, by index among the devices the process sees (use <c>cuda:{GpuIds[0]}</c>): Ray's
    /// <c>ray.get_gpu_ids()</c>. Trials share one process, so unlike Ray's workers they all see every GPU and must
    /// pick theirs by these indices. A fractional request (<c>Gpu = 0.5</c>) gets one GPU that others may share; no GPU
    /// request gets none. A trial restarted after a pause may hold other GPUs than before.
    /// </summary>
    public IReadOnlyList<int> GpuIds => _run.Grant.GpuIds;

    /// <summary>A seed for the trial's own randomness: derived from the experiment's seed and the trial's index,
    /// so reruns of a seeded experiment are reproducible.</summary>
    public int Seed => _run.Seed;

    /// <summary>How many results the trial has reported across all its runs.</summary>
    public long Iteration => _run.Iteration;

    /// <summary>Cancelled when the trial is stopped, paused or the experiment ends; pass it to long operations.</summary>
    public CancellationToken CancellationToken => _run.CancellationToken;

    /// <summary>The latest checkpoint of this trial (to resume from after a pause, a failure or an exploit),
    /// or null when there is none (Ray's <c>train.get_checkpoint()</c>).</summary>
    public Checkpoint? GetCheckpoint() => _checkpoint;

    /// <summary>
    /// Reports metrics, and optionally a checkpoint, as one training iteration (Ray's <c>train.report</c>).
    /// Returns when TuneSharp has stored the result; throws <see cref="TrialStoppedException"/> when the trial
    /// is to end, so training stops promptly.
    /// </summary>
    public ValueTask ReportAsync(Metrics metrics, Checkpoint? checkpoint = null) => ReportStepAsync(metrics, checkpoint, null);

    /// <summary>A report whose iteration took <paramref name="seconds"/> (the class API's step time), or, when null, the
    /// time since the previous report.</summary>
    internal async ValueTask ReportStepAsync(Metrics metrics, Checkpoint? checkpoint, double? seconds)
    {
        TrialReport report = Prepare(metrics, checkpoint, seconds);
        // Awaited on the caller's context: on a trial's own thread the verdict resumes right there, one thread
        // hand-off fewer per report than resuming on the pool first.
        TrialStopReason? verdict = await _run.SendAsync(report);
        Complete(report, verdict);
    }

    private TrialReport Prepare(Metrics metrics, Checkpoint? checkpoint, double? stepSeconds)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _run.ThrowIfStopped();
        double seconds = stepSeconds ?? SecondsSince(_lastReport);
        string? staged = checkpoint is null ? null : _run.Stage(checkpoint);
        return new TrialReport(new Dictionary<string, object?>(metrics), staged, seconds);
    }

    /// <summary>Throws <see cref="TrialStoppedException"/> when the trial has been told to stop, pause or restart.</summary>
    internal void ThrowIfStopped() => _run.ThrowIfStopped();

    /// <summary>Now, on the experiment's clock (<see cref="RunConfig.TimeProvider"/>).</summary>
    internal long Timestamp() => _run.Time.GetTimestamp();

    /// <summary>Seconds since <paramref name="timestamp"/> (from <see cref="Timestamp"/>).</summary>
    internal double SecondsSince(long timestamp) => _run.Time.GetElapsedTime(timestamp).TotalSeconds;

    /// <summary>Whether the scheduler asked for a checkpoint after the last result; reading it clears it.</summary>
    internal bool TakeSaveRequest()
    {
        bool requested = _saveRequested;
        _saveRequested = false;
        return requested;
    }

    private bool _saveRequested;

    private void Complete(TrialReport report, TrialStopReason? verdict)
    {
        _lastReport = _run.Time.GetTimestamp();
        _saveRequested = report.SaveRequested;
        if (report.StagedCheckpoint is not null && report.PersistedCheckpoint is { } persisted)
            _checkpoint = Checkpoint.AtPath(persisted);
        if (verdict is { } reason)
            throw _run.Stopped(reason);
    }

    /// <summary>Saves a checkpoint without a result (the class API's save before a pause or at the end).</summary>
    internal async ValueTask SaveCheckpointOnlyAsync(Checkpoint checkpoint, long? stepsDone = null)
    {
        string staged = _run.Stage(checkpoint);
        var report = new TrialReport(null, staged, 0, stepsDone);
        await _run.SendAsync(report); // on the caller's context, as ReportAsync
        if (report.PersistedCheckpoint is { } persisted)
            _checkpoint = Checkpoint.AtPath(persisted);
    }

    /// <summary>The synchronous form of <see cref="ReportAsync"/>, for synchronous trainables.</summary>
    public void Report(Metrics metrics, Checkpoint? checkpoint = null)
    {
        TrialReport report = Prepare(metrics, checkpoint, stepSeconds: null);
        // Blocks this thread, so the verdict must not need it to resume: no await here.
        TrialStopReason? verdict = _run.SendAsync(report).GetAwaiter().GetResult();
        Complete(report, verdict);
    }
}
