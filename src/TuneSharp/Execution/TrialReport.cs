namespace TuneSharp.Execution;

/// <summary>One report from a running trial to the controller: metrics (null for a checkpoint-only save)
/// and a checkpoint already written to a staging folder inside the trial's folder.</summary>
internal sealed class TrialReport(Dictionary<string, object?>? metrics, string? stagedCheckpoint, double seconds, long? stepsDone = null)
{
    /// <summary>For a save without metrics from the class API: the steps the saved state has taken (one more than the
    /// last recorded result when a step finished after the trial was told to stop).</summary>
    public long? StepsDone { get; } = stepsDone;

    public Dictionary<string, object?>? Metrics { get; } = metrics;
    public string? StagedCheckpoint { get; } = stagedCheckpoint;
    public double Seconds { get; } = seconds;

    /// <summary>Set by the controller when it has moved the staged checkpoint into place.</summary>
    public string? PersistedCheckpoint { get; set; }

    /// <summary>Set by the controller when the scheduler asked for a checkpoint after this result.</summary>
    public bool SaveRequested { get; set; }

    public TaskCompletionSource<TrialStopReason?> Verdict { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Messages from trial runs to the controller's loop.</summary>
internal abstract record ControllerMessage(TrialRun Run);

internal sealed record ReportMessage(TrialRun Run, TrialReport Report) : ControllerMessage(Run);

/// <summary>A run ended: normally, stopped (a <see cref="TrialStoppedException"/>), or with an error.</summary>
internal sealed record RunFinishedMessage(TrialRun Run, Exception? Error) : ControllerMessage(Run);
