namespace TuneSharp;

/// <summary>
/// Thrown by a pending <see cref="TrialContext.ReportAsync"/> when the scheduler or a stopper ended the
/// trial, so that training code unwinds at once. TuneSharp catches it; user code should let it pass.
/// </summary>
public sealed class TrialStoppedException : OperationCanceledException
{
    internal TrialStoppedException(string trialId, TrialStopReason reason)
        : base($"Trial {trialId} was asked to {reason.ToString().ToLowerInvariant()} by TuneSharp.")
    {
        TrialId = trialId;
        Reason = reason;
    }

    /// <summary>The trial that was stopped.</summary>
    public string TrialId { get; }

    /// <summary>Why it was stopped.</summary>
    public TrialStopReason Reason { get; }
}

/// <summary>Why a trial's run was ended from outside.</summary>
public enum TrialStopReason
{
    /// <summary>The trial is finished (scheduler, stopper, time budget, or the experiment ended).</summary>
    Stop,
    /// <summary>The trial is paused and may be resumed from its checkpoint later.</summary>
    Pause,
    /// <summary>The trial restarts with a new config (e.g. PBT's exploit).</summary>
    Restart,
}
