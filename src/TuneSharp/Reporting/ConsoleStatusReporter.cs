using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace TuneSharp.Reporting;

/// <summary>
/// The seed's "Tune Status" view. On a terminal: a live Spectre.Console table redrawn at most four times a second,
/// cut to the terminal's height. When output is redirected (CI, a file), live tables would reprint whole frames, so it
/// prints a compact plain-text table when something changed, at most every <see cref="CliReporter.MaxReportFrequency"/> (and at least every
/// <see cref="PlainHeartbeat"/>, so a log shows the run is alive), and once at the end.
/// </summary>
/// <param name="verbose">Ray's verbosity: 2 adds a line per trial end, 3 one per result.</param>
/// <param name="options">What the view shows (<see cref="RunConfig.ProgressReporter"/>).</param>
/// <param name="plainOutput">Where plain text goes instead of the console (always plain then).</param>
internal sealed class ConsoleStatusReporter(int verbose, CliReporter options, TextWriter? plainOutput = null) : TuneCallback
{
    private static readonly TimeSpan PlainHeartbeat = TimeSpan.FromSeconds(60);
    private readonly bool _interactive = plainOutput is null && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
    private TextWriter Output => plainOutput ?? Console.Out;
    private readonly Queue<string> _events = new();
    private LiveView? _live;
    private string? _lastPlain;
    private TimeSpan _lastPlainAt;

    public override TimeSpan? StatusInterval => _interactive ? TimeSpan.FromMilliseconds(250) : options.MaxReportFrequency;

    public override void OnExperimentStart(string experimentPath)
    {
        if (_interactive)
            _live = new LiveView();
    }

    public override void OnTrialComplete(TrialInfo trial)
    {
        if (verbose >= 2)
            Event($"Trial {trial.TrialName} completed after {trial.Iteration} iterations.");
    }

    public override void OnTrialError(TrialInfo trial, Exception error, bool willRetry)
    {
        if (verbose >= 2)
            Event($"Trial {trial.TrialName} failed: {error.GetType().Name}: {error.Message}{(willRetry ? " (retrying)" : "")}. See {Path.Combine(trial.Directory, "error.txt")}");
    }

    public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
    {
        if (verbose >= 3)
            Event($"Trial {trial.TrialName} iteration {trial.Iteration}: " + string.Join(", ",
                result.Where(kv => !ResultFields.Automatic.Contains(kv.Key)).Select(kv => $"{kv.Key}={StatusText.Format(kv.Value)}")));
    }

    public override void OnStatus(ExperimentStatus status)
    {
        status = Shown(status);
        if (_live is not null)
        {
            _live.Show(Render(status));
            return;
        }
        // The table without the title, the clock and the memory in use says whether anything changed.
        string text = PlainText(status, options.MetricColumns);
        string body = string.Join('\n', text.Split('\n').Skip(2).Where(l => !l.StartsWith(StatusText.MemoryPrefix, StringComparison.Ordinal)));
        if (body == _lastPlain && status.Elapsed - _lastPlainAt < PlainHeartbeat)
            return;
        (_lastPlain, _lastPlainAt) = (body, status.Elapsed);
        Output.Write(text);
    }

    public override void OnExperimentEnd(ExperimentStatus status)
    {
        status = Shown(status);
        if (_live is not null)
        {
            _live.Show(Render(status));
            _live.Dispose();
        }
        else
            Output.Write(PlainText(status, options.MetricColumns));
    }

    /// <summary>The status as the options show it: their parameter columns, rows sorted by the metric if asked.</summary>
    private ExperimentStatus Shown(ExperimentStatus status)
    {
        if (options.ParameterColumns is { } parameters)
            status = status with { ParameterPaths = parameters };
        if (options.SortByMetric && status is { Metric: { } metric, Mode: { } mode })
            status = status with
            {
                Trials = status.Trials.OrderBy(t => StatusText.Rank(t.LastResult, metric, mode)).ThenBy(t => t.Index).ToList(),
            };
        return status;
    }

    private void Event(string line)
    {
        if (_interactive)
        {
            lock (_events)
            {
                _events.Enqueue(line);
                while (_events.Count > 5) _events.Dequeue();
            }
        }
        else
            Output.WriteLine(line);
    }

    private IRenderable Render(ExperimentStatus status)
    {
        int width = Math.Max(AnsiConsole.Profile.Width, 20), height = AnsiConsole.Profile.Height;
        var lines = new List<IRenderable> { new Markup("[bold]Tune Status[/]") };
        int used = 1;
        void Add(string text, Style? style = null)
        {
            lines.Add(new Text(text, style ?? Style.Plain));
            used += Math.Max(1, (text.Length + width - 1) / width); // wrapped lines count as what they take
        }
        Add(StatusText.Header(status));
        Add(StatusText.LogDir(status));
        lines.Add(new Markup("[bold]System Info[/]"));
        used++;
        foreach (string line in status.SchedulerLines)
            Add(line);
        Add($"Logical resource usage: {status.ResourceUsage}");
        Add(StatusText.MemoryLine());
        lines.Add(new Markup("[bold]Trial Status[/]"));
        used++;
        Add(StatusText.Counts(status));
        if (StatusText.Best(status) is { } best)
            Add(best);

        // A frame taller than the terminal loses its top, so the table gets the rows left (its header and borders take 3,
        // an overflow line 1), before the errors and the latest events.
        var errors = StatusText.Errors(status);
        int rows = Math.Max(3, height - used - errors.Count - 5);
        var shown = StatusText.Fit(status.Trials, rows);
        var metrics = StatusText.MetricColumns(status, options.MetricColumns);
        var columns = StatusText.Columns(status, metrics);
        var cells = shown.Select(t => StatusText.Row(status, t, metrics)).ToList();
        var kept = StatusText.ColumnsThatFit(columns, cells, width, metrics);
        var table = new Table().Border(TableBorder.Simple);
        foreach (int i in kept)
            table.AddColumn(new TableColumn(Markup.Escape(columns[i])) { NoWrap = true });
        foreach (var row in cells)
            table.AddRow(kept.Select(i => new Text(row[i])).ToArray<IRenderable>());
        lines.Add(table);
        used += shown.Count + 3;
        if (StatusText.Overflow(status, shown) is { } overflow)
            Add(overflow);
        foreach (string error in errors)
            Add(error, new Style(Color.Red));
        string[] events;
        lock (_events)
            events = _events.ToArray();
        foreach (string e in events.TakeLast(Math.Max(0, height - used - 1)))
            Add(e, new Style(Color.Grey));
        return new Rows(lines);
    }

    internal static string PlainText(ExperimentStatus status, IReadOnlyList<string>? metricColumns = null)
    {
        var metrics = StatusText.MetricColumns(status, metricColumns);
        var columns = StatusText.Columns(status, metrics);
        var rows = status.Trials.Select(t => StatusText.Row(status, t, metrics)).ToList();
        int[] widths = columns.Select((c, i) => Math.Max(c.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        text.AppendLine("== Tune Status ==");
        text.AppendLine(StatusText.Header(status));
        text.AppendLine(StatusText.LogDir(status));
        foreach (string line in status.SchedulerLines)
            text.AppendLine(line);
        text.AppendLine($"Logical resource usage: {status.ResourceUsage}");
        text.AppendLine(StatusText.MemoryLine());
        text.AppendLine(StatusText.Counts(status));
        if (StatusText.Best(status) is { } best)
            text.AppendLine(best);
        text.AppendLine(string.Join("  ", columns.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        if (StatusText.Overflow(status, status.Trials) is { } overflow)
            text.AppendLine(overflow);
        foreach (string line in StatusText.Errors(status))
            text.AppendLine(line);
        return text.ToString();
    }

    /// <summary>Spectre's live display blocks its caller, so it runs on its own task and is fed renderables.</summary>
    private sealed class LiveView : IDisposable
    {
        private readonly SemaphoreSlim _changed = new(0);
        private readonly Task _task;
        private volatile IRenderable _current = new Text("");
        private volatile bool _done;

        public LiveView()
        {
            _task = AnsiConsole.Live(new Text("")).AutoClear(false).StartAsync(async context =>
            {
                while (true)
                {
                    await _changed.WaitAsync().ConfigureAwait(false);
                    // Read before the frame: Dispose sets it after the final Show, so when it is seen here, the frame read
                    // next is the final one (read after, an older frame drawn meanwhile would stay on screen).
                    bool last = _done;
                    context.UpdateTarget(_current);
                    context.Refresh();
                    if (last) return;
                }
            });
        }

        public void Show(IRenderable renderable)
        {
            _current = renderable;
            _changed.Release();
        }

        public void Dispose()
        {
            _done = true;
            _changed.Release();
            _task.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
