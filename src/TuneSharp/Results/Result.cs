using Microsoft.Data.Analysis;
using TuneSharp.Storage;

namespace TuneSharp.Results;

/// <summary>
/// One trial's outcome (Ray's <c>ray.train.Result</c>): its last metrics, config, checkpoints, error and
/// folder. The full history is read from disk on demand (<see cref="MetricsDataFrame"/>), so a grid of
/// many trials holds only their summaries.
/// </summary>
public sealed class Result
{
    internal Result(string trialId, string trialName, TrialStatus status, string path, Config config,
        IReadOnlyDictionary<string, object?>? metrics, IReadOnlyList<StoredCheckpoint> checkpoints,
        string? error, MetricAnalysis analysis)
    {
        TrialId = trialId;
        TrialName = trialName;
        Status = status;
        Path = path;
        Config = config;
        Metrics = metrics ?? new Dictionary<string, object?>();
        _checkpoints = checkpoints;
        Error = error;
        Analysis = analysis;
    }

    private readonly IReadOnlyList<StoredCheckpoint> _checkpoints;

    /// <summary>The trial's id.</summary>
    public string TrialId { get; }
    /// <summary>The trial's name.</summary>
    public string TrialName { get; }
    /// <summary>The trial's final status.</summary>
    public TrialStatus Status { get; }
    /// <summary>The trial's folder.</summary>
    public string Path { get; }
    /// <summary>The trial's (final) config.</summary>
    public Config Config { get; }
    /// <summary>The last reported result, with the automatic fields; empty when it reported nothing.</summary>
    public IReadOnlyDictionary<string, object?> Metrics { get; }
    /// <summary>The error message when the trial failed for good, else null.</summary>
    public string? Error { get; }
    /// <summary>Summaries (last, average, best, …) of every numeric metric.</summary>
    public MetricAnalysis Analysis { get; }

    /// <summary>The latest checkpoint, or null.</summary>
    public Checkpoint? Checkpoint => _checkpoints.Count == 0 ? null : Checkpoint.AtPath(_checkpoints.MaxBy(c => c.Index)!.Path);

    /// <summary>Every kept checkpoint with the result it was reported with (Ray's <c>best_checkpoints</c>).</summary>
    public IReadOnlyList<(Checkpoint Checkpoint, IReadOnlyDictionary<string, object?> Metrics)> BestCheckpoints =>
        _checkpoints.OrderBy(c => c.Index)
            .Select(c => (Checkpoint.AtPath(c.Path), c.Metrics ?? new Dictionary<string, object?>())).ToList();

    /// <summary>The value of a metric in the last result, if numeric.</summary>
    public double? GetMetric(string metric) => ResultFields.TryGetDouble(Metrics, metric, out double v) ? v : null;

    /// <summary>Every result the trial reported, read from its <c>result.json</c>.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> ReadHistory() => TrialResultWriter.ReadHistory(Path);

    /// <summary>Every result as a data frame, one row per iteration, nested keys joined with '/'
    /// (Ray's <c>metrics_dataframe</c>).</summary>
    public DataFrame MetricsDataFrame =>
        DataFrames.FromRows(ReadHistory().Select(r => (IReadOnlyDictionary<string, object?>)ResultRecord.Flatten(r)).ToList());

    /// <inheritdoc />
    public override string ToString() =>
        $"Result(trial={TrialName}, status={Status}, metrics={{{string.Join(", ", Metrics.Where(kv => !ResultFields.Automatic.Contains(kv.Key)).Select(kv => $"{kv.Key}: {kv.Value}"))}}}, path={Path})";
}
