using System.Globalization;

namespace TuneSharp.Reporting;

/// <summary>The pieces of the "Tune Status" view shared by the live table and the plain-text fallback.</summary>
internal static class StatusText
{
    // "Now" comes from the experiment's injected clock (start + elapsed), never DateTime.Now, so a fake
    // clock in tests and the table agree.
    public static string Header(ExperimentStatus status) =>
        $"Current time: {status.Started + status.Elapsed:yyyy-MM-dd HH:mm:ss}  Running for: {status.Elapsed:hh\\:mm\\:ss\\.ff}  Memory: {Memory()}";

    public static string Counts(ExperimentStatus status) =>
        $"Trials: {status.CountsByStatus.Values.Sum()} (" +
        string.Join(", ", status.CountsByStatus.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} {kv.Key.ToString().ToUpperInvariant()}")) + ")";

    public static IReadOnlyList<string> Columns(ExperimentStatus status)
    {
        var columns = new List<string> { "Trial name", "status", "loc" };
        columns.AddRange(status.ParameterPaths);
        columns.AddRange(MetricColumns(status));
        columns.AddRange(["iter", "total time (s)"]);
        return columns;
    }

    /// <summary>The experiment's metric; without one (e.g. only a scheduler names it), the first few numeric
    /// metrics the shown trials report, so the table still says how trials are doing.</summary>
    public static IReadOnlyList<string> MetricColumns(ExperimentStatus status)
    {
        if (status.Metric is { } metric)
            return [metric];
        return status.Trials.Where(t => t.LastResult is not null)
            .SelectMany(t => t.LastResult!.Where(kv => kv.Value is not bool && JsonValues.TryGetDouble(kv.Value, out _)).Select(kv => kv.Key))
            .Where(key => !ResultFields.Automatic.Contains(key) && !status.ParameterPaths.Contains(key))
            .Distinct().Take(3).ToList();
    }

    public static IReadOnlyList<string> Row(ExperimentStatus status, TrialInfo trial)
    {
        var cells = new List<string> { trial.TrialName, trial.Status.ToString().ToUpperInvariant(), Location(trial) };
        foreach (string path in status.ParameterPaths)
            cells.Add(Format(trial.Config.Contains(path) ? trial.Config.Get<object?>(path) : null));
        foreach (string metric in MetricColumns(status))
            cells.Add(trial.LastResult is { } r && ResultFields.TryGetDouble(r, metric, out double v) ? Format(v) : "");
        cells.Add(trial.Iteration > 0 ? trial.Iteration.ToString(CultureInfo.InvariantCulture) : "");
        cells.Add(trial.LastResult is { } last && ResultFields.TryGetDouble(last, ResultFields.TimeTotalS, out double t) ? t.ToString("0.###", CultureInfo.InvariantCulture) : "");
        return cells;
    }

    private static string Location(TrialInfo trial) =>
        trial.Status == TrialStatus.Running ? $"{Environment.MachineName}:{Environment.ProcessId}" : "";

    public static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

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
