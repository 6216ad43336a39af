namespace TuneSharp.Reporting;

/// <summary>
/// What the console's "Tune Status" view shows (Ray's <c>tune.CLIReporter</c>): set it as
/// <see cref="RunConfig.ProgressReporter"/>. The view is on when <see cref="RunConfig.Verbose"/> is 1 or more.
/// </summary>
public sealed class CliReporter
{
    /// <summary>The metric columns, in order (Ray's <c>metric_columns</c>). <value>The default value is null: the
    /// experiment's metric, then other numeric metrics the trials report, four columns at most.</value></summary>
    public IReadOnlyList<string>? MetricColumns { get; init; }

    /// <summary>The hyperparameter columns, as '/'-joined paths (Ray's <c>parameter_columns</c>). <value>The default value
    /// is null: every searched parameter.</value></summary>
    public IReadOnlyList<string>? ParameterColumns { get; init; }

    /// <summary>Trial rows at most (Ray's <c>max_progress_rows</c>); running trials come first, then the most recent
    /// others, and a line says how many are not shown. On a terminal, fewer when the terminal is shorter.
    /// <value>The default value is 20.</value></summary>
    public int MaxProgressRows { get; init; } = 20;

    /// <summary>When output is redirected (a file, CI), a table at most this often, and only when something changed
    /// (Ray's <c>max_report_frequency</c>; a table at least every minute shows the run is alive). On a terminal the table
    /// is redrawn in place, four times a second. <value>The default value is 10 seconds.</value></summary>
    public TimeSpan MaxReportFrequency { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Rows sorted by the experiment's metric, best first (Ray's <c>sort_by_metric</c>), instead of by trial.
    /// <value>The default value is false.</value></summary>
    public bool SortByMetric { get; init; }

    internal void Validate()
    {
        if (MaxProgressRows < 1)
            throw new TuneException($"CliReporter.MaxProgressRows is {MaxProgressRows}; use 1 or more.");
        if (MaxReportFrequency <= TimeSpan.Zero)
            throw new TuneException($"CliReporter.MaxReportFrequency is {MaxReportFrequency}; use a positive time, e.g. TimeSpan.FromSeconds(10).");
        foreach (var (name, columns) in new[] { (nameof(MetricColumns), MetricColumns), (nameof(ParameterColumns), ParameterColumns) })
            if (columns?.FirstOrDefault(string.IsNullOrWhiteSpace) is { } blank || columns?.Contains(null!) == true)
                throw new TuneException($"CliReporter.{name} holds an empty name; give the names of the columns to show.");
    }
}
