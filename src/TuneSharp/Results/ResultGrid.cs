using System.Collections;
using Microsoft.Data.Analysis;
using TuneSharp.Storage;

namespace TuneSharp.Results;

/// <summary>
/// The results of an experiment (Ray's <c>ResultGrid</c>): one <see cref="Result"/> per trial, in creation
/// order, with queries for the best one and a data frame of all of them.
/// </summary>
public sealed class ResultGrid : IReadOnlyList<Result>
{
    private readonly IReadOnlyList<Result> _results;
    private readonly string? _metric;
    private readonly Mode? _mode;

    internal ResultGrid(string experimentPath, IReadOnlyList<Result> results, string? metric, Mode? mode)
    {
        ExperimentPath = experimentPath;
        _results = results;
        _metric = metric;
        _mode = mode;
    }

    /// <summary>The experiment's folder.</summary>
    public string ExperimentPath { get; }

    /// <summary>The errors of trials that failed for good.</summary>
    public IReadOnlyList<string> Errors => _results.Where(r => r.Error is not null).Select(r => r.Error!).ToList();

    /// <summary>How many trials failed for good.</summary>
    public int NumErrors => _results.Count(r => r.Status == TrialStatus.Error);

    /// <summary>How many trials terminated normally (including those stopped early).</summary>
    public int NumTerminated => _results.Count(r => r.Status == TrialStatus.Terminated);

    /// <summary>
    /// The best trial's result by <paramref name="metric"/> (Ray's <c>get_best_result</c>); metric and mode
    /// default to the experiment's. <paramref name="scope"/> picks which of a trial's values count.
    /// </summary>
    /// <exception cref="TuneException">With more than one trial: no metric or mode is known, or no trial reported the metric.</exception>
    public Result GetBestResult(string? metric = null, Mode? mode = null, MetricScope scope = MetricScope.Last, bool filterNanAndInf = true)
    {
        if (_results.Count == 1)
            return _results[0]; // as Ray: the only trial is the best one, whatever it reported (and with no metric set)
        metric ??= _metric ?? throw new TuneException("GetBestResult needs a metric: pass one, or set TuneConfig.Metric.");
        Mode direction = mode ?? _mode ?? throw new TuneException($"GetBestResult needs a mode for '{metric}': pass Mode.Min or Mode.Max, or set TuneConfig.Mode.");
        Result? best = null;
        double bestValue = 0;
        foreach (Result result in _results)
        {
            if (result.Analysis.Get(metric, scope, direction) is not { } value)
                continue;
            if (filterNanAndInf && !double.IsFinite(value))
                continue;
            if (best is null || direction.IsBetter(value, bestValue))
                (best, bestValue) = (result, value);
        }
        return best ?? throw new TuneException(
            $"No trial reported a{(filterNanAndInf ? " finite" : "")} value of '{metric}'. Trials reported: {string.Join(", ", _results.SelectMany(r => r.Analysis.MetricNames).Distinct().Where(k => !ResultFields.Automatic.Contains(k)))}.");
    }

    /// <summary>
    /// One row per trial with its last result, flattened (<c>config/lr</c>), plus <c>logdir</c>
    /// (Ray's <c>get_dataframe</c>). With <paramref name="filterMetric"/> and <paramref name="filterMode"/>, each trial's
    /// row is its best result by that metric (its last, if it never reported the metric).
    /// </summary>
    /// <exception cref="TuneException"><paramref name="filterMode"/> without <paramref name="filterMetric"/>.</exception>
    public DataFrame GetDataFrame(string? filterMetric = null, Mode? filterMode = null)
    {
        if (filterMode is not null && filterMetric is null)
            throw new TuneException($"GetDataFrame: filterMode {filterMode} needs filterMetric, the metric to pick each trial's best row by.");
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        foreach (Result result in _results)
        {
            IReadOnlyDictionary<string, object?>? row = filterMetric is null || filterMode is null
                ? result.Metrics
                : BestRow(result, filterMetric, filterMode.Value) ?? result.Metrics;
            if (row is null || row.Count == 0)
                continue;
            var flat = ResultRecord.Flatten(row);
            flat["logdir"] = Path.GetFileName(result.Path);
            rows.Add(flat);
        }
        return DataFrames.FromRows(rows);
    }

    private static IReadOnlyDictionary<string, object?>? BestRow(Result result, string metric, Mode mode) =>
        Result.BestBy(result.ReadHistory(), row => row, metric, mode);

    /// <summary>Loads the results of an experiment folder written by TuneSharp (Ray's <c>ResultGrid</c> from a path).</summary>
    public static ResultGrid FromDirectory(string experimentPath) => ExperimentReader.Read(experimentPath);

    /// <inheritdoc />
    public Result this[int index] => _results[index];
    /// <inheritdoc />
    public int Count => _results.Count;
    /// <inheritdoc />
    public IEnumerator<Result> GetEnumerator() => _results.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
