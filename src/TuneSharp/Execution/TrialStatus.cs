namespace TuneSharp;

/// <summary>A trial's lifecycle state, as Ray Tune names them.</summary>
public enum TrialStatus
{
    /// <summary>Created, waiting for resources.</summary>
    Pending,
    /// <summary>Running.</summary>
    Running,
    /// <summary>Stopped by the scheduler, resumable from its checkpoint; its resources are free.</summary>
    Paused,
    /// <summary>Finished normally, or stopped by a stopper or the scheduler.</summary>
    Terminated,
    /// <summary>Failed more often than <c>FailureConfig.MaxFailures</c> allows.</summary>
    Error,
}

/// <summary>
/// An immutable view of a trial, handed to schedulers, stoppers and callbacks (never the live object).
/// </summary>
/// <param name="TrialId">The id, e.g. <c>1a2b3_00000</c>.</param>
/// <param name="TrialName">The name, e.g. <c>TrainMnist_1a2b3_00000</c>.</param>
/// <param name="Index">The trial's creation index, from 0.</param>
/// <param name="Config">The current config.</param>
/// <param name="Status">The status.</param>
/// <param name="Iteration">Results reported so far.</param>
/// <param name="LastResult">The last result, or null.</param>
/// <param name="LatestCheckpoint">The folder of the latest checkpoint, or null.</param>
/// <param name="Directory">The trial's folder.</param>
/// <param name="Resources">The resources it runs with.</param>
public sealed record TrialInfo(
    string TrialId,
    string TrialName,
    int Index,
    Config Config,
    TrialStatus Status,
    long Iteration,
    IReadOnlyDictionary<string, object?>? LastResult,
    string? LatestCheckpoint,
    string Directory,
    Resources Resources);
