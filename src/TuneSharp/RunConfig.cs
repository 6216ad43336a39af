using Microsoft.Extensions.Logging;
using TuneSharp.Reporting;
using TuneSharp.Stopping;

namespace TuneSharp;

/// <summary>Where and how an experiment runs (Ray's <c>train.RunConfig</c>).</summary>
public sealed record RunConfig
{
    /// <summary>The experiment's folder name under <see cref="StoragePath"/>.
    /// <value>The default is <c>&lt;trainable&gt;_&lt;YYYY-MM-DD_HH-MM-SS&gt;</c>.</value></summary>
    public string? Name { get; init; }

    /// <summary>Where experiments are stored; <c>~</c> is the home folder. <value>The default value is <c>~/tune_results</c>.</value></summary>
    public string StoragePath { get; init; } = "~/tune_results";

    /// <summary>When a trial or the whole experiment stops: metric thresholds
    /// (<c>new() { ["mean_accuracy"] = 0.9 }</c>), a predicate, or an <see cref="IStopper"/>.
    /// <value>The default value is null (trials run until they return).</value></summary>
    public StopCriteria? Stop { get; init; }

    /// <summary>Checkpoint retention and the class API's checkpoint cadence. <value>The default keeps every checkpoint.</value></summary>
    public CheckpointConfig CheckpointConfig { get; init; } = new();

    /// <summary>Retries of failing trials. <value>The default retries nothing.</value></summary>
    public FailureConfig FailureConfig { get; init; } = new();

    /// <summary>Hooks called on experiment and trial events. <value>The default is none.</value></summary>
    public IReadOnlyList<TuneCallback> Callbacks { get; init; } = [];

    /// <summary>0: silent; 1: the status table; 2: also one line per finished trial; 3: also every result.
    /// <value>The default value is 2.</value></summary>
    public int Verbose { get; init; } = 2;

    /// <summary>What the console's status view shows (Ray's <c>progress_reporter</c>, a <c>CLIReporter</c>).
    /// <value>The default value is null: the defaults of <see cref="CliReporter"/>.</value></summary>
    public CliReporter? ProgressReporter { get; init; }

    /// <summary>Where TuneSharp logs events (one line per event that matters).
    /// <value>The default value is null (no logging).</value></summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock; replace it in tests. <value>The default value is <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Minimum time between experiment-state snapshots (never a rewrite per result). When a snapshot
    /// takes long (many trials), the interval stretches so that snapshots take at most about 5 % of the time,
    /// as in Ray. After a trial ends or is made, the next snapshot comes within a tenth of this (at least 0.2 s; under
    /// the same 5 % bound), so that a crash soon after does not make a resume run it again or lose its folder. <value>The default value is 2 seconds.</value></summary>
    public TimeSpan StateSnapshotInterval { get; init; } = TimeSpan.FromSeconds(2);

    internal void Validate()
    {
        if (Verbose is < 0 or > 3)
            throw new TuneException($"RunConfig.Verbose is {Verbose}; use 0, 1, 2 or 3.");
        if (string.IsNullOrWhiteSpace(StoragePath))
            throw new TuneException("RunConfig.StoragePath is empty; give a folder such as \"~/tune_results\".");
        if (Name is { } name && (name.Length == 0 || name.IndexOfAny(['/', '\\']) >= 0 || name is "." or ".."))
            throw new TuneException($"RunConfig.Name '{name}' is not a valid folder name; use letters, digits, '_' and '-'.");
        CheckpointConfig.Validate();
        FailureConfig.Validate();
        ProgressReporter?.Validate();
        Stop?.Validate();
    }

    internal string ResolveStoragePath() => Storage.HomePath.Expand(StoragePath);
}

/// <summary>Checkpoint retention (Ray's <c>train.CheckpointConfig</c>).</summary>
public sealed class CheckpointConfig
{
    /// <summary>How many checkpoints to keep per trial; null keeps all. The latest checkpoint is always kept,
    /// because a paused, failed or exploited trial resumes from it. <value>The default value is null.</value></summary>
    public int? NumToKeep { get; init; }

    /// <summary>The result field that ranks checkpoints for retention; null ranks by recency. Every result that carries a
    /// checkpoint must hold it (Ray logs an error and ranks the checkpoint last; TuneSharp ends the experiment with one).
    /// <value>The default value is null.</value></summary>
    public string? CheckpointScoreAttribute { get; init; }

    /// <summary>Whether a higher or lower <see cref="CheckpointScoreAttribute"/> is better.
    /// <value>The default value is <see cref="Mode.Max"/>.</value></summary>
    public Mode CheckpointScoreOrder { get; init; } = Mode.Max;

    /// <summary>Class API only: checkpoint every this many steps; 0 never. <value>The default value is 0.</value></summary>
    public int CheckpointFrequency { get; init; }

    /// <summary>Class API only: checkpoint when the trial ends. <value>The default value is false.</value></summary>
    public bool CheckpointAtEnd { get; init; }

    internal void Validate()
    {
        if (NumToKeep is { } n && n < 1)
            throw new TuneException($"CheckpointConfig.NumToKeep is {n}; use 1 or more, or null to keep all checkpoints.");
        if (CheckpointFrequency < 0)
            throw new TuneException($"CheckpointConfig.CheckpointFrequency is {CheckpointFrequency}; use 0 (off) or a positive number of steps.");
    }
}

/// <summary>Retries of failing trials (Ray's <c>train.FailureConfig</c>).</summary>
public sealed class FailureConfig
{
    /// <summary>Retries per trial, each from its latest checkpoint; -1 retries forever. <value>The default value is 0.</value></summary>
    public int MaxFailures { get; init; }

    /// <summary>Stop the whole experiment at the first trial error; no retries then, so <see cref="MaxFailures"/> must be 0.
    /// <value>The default value is false.</value></summary>
    public bool FailFast { get; init; }

    internal void Validate()
    {
        if (MaxFailures < -1)
            throw new TuneException($"FailureConfig.MaxFailures is {MaxFailures}; use -1 (retry forever), 0 or a positive number.");
        if (FailFast && MaxFailures != 0) // as Ray's FailureConfig: the first failure ends the experiment, so no retry would run
            throw new TuneException($"FailureConfig.FailFast is set with MaxFailures = {MaxFailures}: a fail-fast experiment " +
                "retries nothing. Set MaxFailures to 0, or leave FailFast off to retry failing trials.");
    }
}
