using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace TuneSharp.Reporting;

/// <summary>The pieces of the "Tune Status" view shared by the live table and the plain-text fallback.</summary>
internal static class StatusText
{
    /// <summary>Metric columns at most, the experiment's metric first (Ray's output shows four).</summary>
    private const int MaxMetricColumns = 4;

    /// <summary>Text cells longer than this are cut with "..." (Ray's <c>_max_len</c>), so a long string value does not
    /// squeeze every other column.</summary>
    private const int MaxCellLength = 20;

    // "Now" comes from the experiment's injected clock (start + elapsed), never DateTime.Now, so a fake
    // clock in tests and the table agree.
    public static string Header(ExperimentStatus status) =>
        $"Current time: {status.Started + status.Elapsed:yyyy-MM-dd HH:mm:ss}  Running for: {Duration(status.Elapsed)}";

    public const string MemoryPrefix = "Memory usage on this node: ";

    /// <summary>Ray's "Memory usage on this node: 9.2/15.6 GiB".</summary>
    public static string MemoryLine() => MemoryPrefix + Memory();

    /// <summary>Where the results are (Ray's "Result logdir").</summary>
    public static string LogDir(ExperimentStatus status) => $"Result logdir: {status.ExperimentPath}";

    /// <summary>As Ray's: <c>01:15:00.50</c>, and <c>2 days, 01:15:00.50</c> past a day.</summary>
    public static string Duration(TimeSpan elapsed) =>
        (elapsed.Days > 0 ? $"{elapsed.Days} day{(elapsed.Days == 1 ? "" : "s")}, " : "") + elapsed.ToString(@"hh\:mm\:ss\.ff", CultureInfo.InvariantCulture);

    public static string Counts(ExperimentStatus status) =>
        $"Trials: {status.CountsByStatus.Values.Sum()} (" +
        string.Join(", ", status.CountsByStatus.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} {kv.Key.ToString().ToUpperInvariant()}")) + ")";

    /// <summary>Ray's "Current best trial: … with loss=… and params={…}", or null before any trial reported the metric.</summary>
    public static string? Best(ExperimentStatus status)
    {
        if (status.BestTrial is not { LastResult: { } last } best || status.Metric is not { } metric
            || !ResultFields.TryGetDouble(last, metric, out double value))
            return null;
        var parameters = status.ParameterPaths.Where(best.Config.Contains).ToDictionary(p => p, p => best.Config.Get<object?>(p));
        return $"Current best trial: {best.TrialName} with {metric}={Format(value)} and params={JsonSerializer.Serialize(parameters, JsonDefaults.Options)}";
    }

    /// <summary>How a trial ranks by its last result's metric when rows are sorted by it: lower first; a trial without
    /// the value (or with NaN) last.</summary>
    public static double Rank(IReadOnlyDictionary<string, object?>? lastResult, string metric, Mode mode) =>
        lastResult is not null && ResultFields.TryGetDouble(lastResult, metric, out double value) && !double.IsNaN(value)
            ? -mode.Sign() * value : double.PositiveInfinity;

    public static IReadOnlyList<string> Columns(ExperimentStatus status, IReadOnlyList<string> metricColumns)
    {
        var columns = new List<string> { "Trial name", "status", "loc" };
        columns.AddRange(status.ParameterPaths);
        columns.AddRange(metricColumns);
        columns.AddRange(["iter", "total time (s)"]);
        return columns;
    }

    /// <summary>The experiment's metric first, then other numeric metrics the shown trials report (as Ray infers them),
    /// so the table says how trials are doing on everything they report, up to <see cref="MaxMetricColumns"/>.</summary>
    public static IReadOnlyList<string> MetricColumns(ExperimentStatus status, IReadOnlyList<string>? chosen = null)
    {
        if (chosen is not null)
            return chosen;
        var columns = new List<string>();
        if (status.Metric is { } metric)
            columns.Add(metric);
        foreach (TrialInfo trial in status.Trials)
        {
            if (trial.LastResult is not { } last)
                continue;
            foreach (var (key, value) in last)
            {
                if (columns.Count == MaxMetricColumns)
                    return columns;
                if (value is not bool && JsonValues.TryGetDouble(value, out _) && !ResultFields.Automatic.Contains(key)
                    && !status.ParameterPaths.Contains(key) && !columns.Contains(key))
                    columns.Add(key);
            }
        }
        return columns;
    }

    public static IReadOnlyList<string> Row(ExperimentStatus status, TrialInfo trial, IReadOnlyList<string> metricColumns)
    {
        var cells = new List<string> { trial.TrialName, trial.Status.ToString().ToUpperInvariant(), Location(trial) };
        foreach (string path in status.ParameterPaths)
            cells.Add(Cut(Format(trial.Config.Contains(path) ? trial.Config.Get<object?>(path) : null)));
        foreach (string metric in metricColumns)
            cells.Add(trial.LastResult is { } r && ResultFields.TryGetDouble(r, metric, out double v) ? Format(v) : "");
        cells.Add(trial.Iteration > 0 ? trial.Iteration.ToString(CultureInfo.InvariantCulture) : "");
        cells.Add(trial.LastResult is { } last && ResultFields.TryGetDouble(last, ResultFields.TimeTotalS, out double t) ? t.ToString("0.###", CultureInfo.InvariantCulture) : "");
        return cells;
    }

    /// <summary>The trials that fit in <paramref name="rows"/> rows: running first, then the most recent others (as the
    /// controller picks them), in the order given.</summary>
    public static IReadOnlyList<TrialInfo> Fit(IReadOnlyList<TrialInfo> trials, int rows)
    {
        if (trials.Count <= rows)
            return trials;
        var kept = trials.Where(t => t.Status == TrialStatus.Running)
            .Concat(trials.Where(t => t.Status != TrialStatus.Running).OrderByDescending(t => t.Index))
            .Take(Math.Max(rows, 0)).ToHashSet();
        return trials.Where(kept.Contains).ToList();
    }

    /// <summary>
    /// The columns to show in <paramref name="width"/> characters: all of them when they fit, else without, in this order,
    /// the location, the metrics after the first, the total time and the parameters from the last (a table wider than
    /// the terminal squeezes every cell into a few characters). Trial name, status, the first metric and the iteration
    /// always stay.
    /// </summary>
    public static IReadOnlyList<int> ColumnsThatFit(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows,
        int width, IReadOnlyList<string> metricColumns)
    {
        // Each column takes its widest cell or header plus two of padding; the simple border adds four at the edges.
        int Width(int i) => Math.Max(columns[i].Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length)) + 2;
        var kept = Enumerable.Range(0, columns.Count).ToList();
        int total = kept.Sum(Width) + 4;
        int parameters = columns.Count - 5 - metricColumns.Count; // name, status, loc, …parameters, …metrics, iter, time
        var droppable = new List<int> { 2 };
        droppable.AddRange(Enumerable.Range(3 + parameters + 1, Math.Max(0, metricColumns.Count - 1)).Reverse());
        droppable.Add(columns.Count - 1);
        droppable.AddRange(Enumerable.Range(3, parameters).Reverse());
        foreach (int column in droppable)
        {
            if (total <= width)
                break;
            kept.Remove(column);
            total -= Width(column);
        }
        return kept;
    }

    /// <summary>Ray's "... N more trials not shown (…)", or null when every trial is shown.</summary>
    public static string? Overflow(ExperimentStatus status, IReadOnlyList<TrialInfo> shown)
    {
        int hidden = status.CountsByStatus.Values.Sum() - shown.Count;
        if (hidden <= 0)
            return null;
        var shownByStatus = shown.GroupBy(t => t.Status).ToDictionary(g => g.Key, g => g.Count());
        var parts = status.CountsByStatus.OrderBy(kv => kv.Key)
            .Select(kv => (Status: kv.Key, Count: kv.Value - shownByStatus.GetValueOrDefault(kv.Key)))
            .Where(p => p.Count > 0).Select(p => $"{p.Count} {p.Status.ToString().ToUpperInvariant()}");
        return $"... {hidden} more trials not shown ({string.Join(", ", parts)})";
    }

    /// <summary>Ray's errored-trials table: how many, and where each one's error is.</summary>
    public static IReadOnlyList<string> Errors(ExperimentStatus status)
    {
        if (status.ErroredTrials is not { Count: > 0 } errored)
            return [];
        int count = status.CountsByStatus.GetValueOrDefault(TrialStatus.Error, errored.Count);
        var lines = new List<string> { $"Number of errored trials: {count}" };
        lines.AddRange(errored.Select(t => $"{t.TrialName}  {Path.Combine(t.Directory, "error.txt")}"));
        if (count > errored.Count)
            lines.Add($"... {count - errored.Count} more");
        return lines;
    }

    private static string Location(TrialInfo trial) =>
        trial.Status == TrialStatus.Running ? $"{Environment.MachineName}:{Environment.ProcessId}" : "";

    public static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable => JsonSerializer.Serialize(value, JsonDefaults.Options), // a list or dictionary as the config holds it
        _ => value.ToString() ?? "",
    };

    private static string Cut(string text) => text.Length <= MaxCellLength ? text : text[..(MaxCellLength - 3)] + "...";

    /// <summary>System memory in use and in total, as Ray shows it (from /proc/meminfo where there is one).</summary>
    private static string Memory()
    {
        try
        {
            if (File.Exists("/proc/meminfo"))
            {
                var values = File.ReadLines("/proc/meminfo").Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                    .ToDictionary(p => p[0], p => double.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024 / 1024);
                return $"{values["MemTotal"] - values["MemAvailable"]:0.0}/{values["MemTotal"]:0.0} GiB";
            }
        }
        catch (Exception e) when (e is IOException or FormatException or KeyNotFoundException or UnauthorizedAccessException)
        {
            // fall through to the process's own figure
        }
        return $"{Environment.WorkingSet / (1024.0 * 1024 * 1024):0.0} GiB (this process)";
    }
}
