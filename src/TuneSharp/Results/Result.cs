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
        string? error, MetricAnalysis analysis, CheckpointConfig? checkpointConfig = null)
    {
        _checkpointConfig = checkpointConfig ?? new CheckpointConfig();
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
    private readonly CheckpointConfig _checkpointConfig;

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

    /// <summary>
    /// Every kept checkpoint with the result it was reported with (Ray's <c>best_checkpoints</c>): from worst to best by
    /// <see cref="CheckpointConfig.CheckpointScoreAttribute"/> when the run set one (as Ray orders them, so the last is
    /// the best; a checkpoint without the attribute counts as worst), else from oldest to newest. The latest checkpoint is
    /// always kept and listed, so there can be <c>NumToKeep + 1</c> (Ray lists it only when it is among the best).
    /// </summary>
    public IReadOnlyList<(Checkpoint Checkpoint, IReadOnlyDictionary<string, object?> Metrics)> BestCheckpoints =>
        _checkpoints.OrderBy(c => CheckpointRetention.Score(_checkpointConfig, c)).ThenBy(c => c.Index)
            .Select(c => (Checkpoint.AtPath(c.Path), c.Metrics ?? new Dictionary<string, object?>())).ToList();

    /// <summary>
    /// The kept checkpoint whose result has the best <paramref name="metric"/> by <paramref name="mode"/> (Ray's
    /// <c>Result.get_best_checkpoint</c>); NaN values are skipped.
    /// </summary>
    /// <exception cref="TuneException">The trial kept no checkpoint, or none of its checkpoints' results holds the metric.</exception>
    public Checkpoint GetBestCheckpoint(string metric, Mode mode)
    {
        if (_checkpoints.Count == 0)
            throw new TuneException($"Trial {TrialName} kept no checkpoint in {Path}.");
        StoredCheckpoint? best = BestBy(_checkpoints, c => c.Metrics, metric, mode);
        return best is not null ? Checkpoint.AtPath(best.Path) : throw new TuneException(
            $"No checkpoint of trial {TrialName} was saved with a result holding '{metric}'. Its results hold: " +
            string.Join(", ", Metrics.Keys.Where(k => !ResultFields.Automatic.Contains(k))) + ".");
    }

    /// <summary>The first of <paramref name="items"/> whose metrics hold the best <paramref name="metric"/> by
    /// <paramref name="mode"/>, NaN skipped; null when none holds it.</summary>
    internal static T? BestBy<T>(IEnumerable<T> items, Func<T, IReadOnlyDictionary<string, object?>?> metricsOf, string metric, Mode mode)
        where T : class
    {
        T? best = null;
        double bestValue = 0;
        foreach (T item in items)
            if (metricsOf(item) is { } metrics && ResultFields.TryGetDouble(metrics, metric, out double value) && !double.IsNaN(value)
                && (best is null || mode.IsBetter(value, bestValue)))
                (best, bestValue) = (item, value);
        return best;
    }

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
