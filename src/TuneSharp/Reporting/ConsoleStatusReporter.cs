using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace TuneSharp.Reporting;

/// <summary>
/// The seed's "Tune Status" view. On a terminal: a live Spectre.Console table redrawn at most four times a
/// second. When output is redirected (CI, a file), live tables would reprint whole frames, so it prints a
/// compact plain-text table every few seconds and once at the end.
/// </summary>
internal sealed class ConsoleStatusReporter(int verbose) : TuneCallback
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);
    private readonly bool _interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
    private readonly Queue<string> _events = new();
    private LiveView? _live;

    public override TimeSpan? StatusInterval => _interactive ? TimeSpan.FromMilliseconds(250) : PlainInterval;

    public override void OnExperimentStart(string experimentPath)
    {
        Event($"Experiment folder: {experimentPath}");
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
        if (_live is not null)
            _live.Show(Render(status));
        else
            Console.Out.Write(PlainText(status));
    }

    public override void OnExperimentEnd(ExperimentStatus status)
    {
        if (_live is not null)
        {
            _live.Show(Render(status));
            _live.Dispose();
        }
        else
            Console.Out.Write(PlainText(status));
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
            Console.Out.WriteLine(line);
    }

    private IRenderable Render(ExperimentStatus status)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (string column in StatusText.Columns(status))
            table.AddColumn(Markup.Escape(column));
        foreach (TrialInfo trial in status.Trials)
            table.AddRow(StatusText.Row(status, trial).Select(Markup.Escape).ToArray());
        var lines = new List<IRenderable>
        {
            new Markup("[bold]Tune Status[/]"),
            new Text(StatusText.Header(status)),
            new Markup("[bold]System Info[/]"),
        };
        lines.AddRange(status.SchedulerLines.Select(l => new Text(l)));
        lines.Add(new Text($"Logical resource usage: {status.ResourceUsage}"));
        lines.Add(new Markup("[bold]Trial Status[/]"));
        lines.Add(new Text(StatusText.Counts(status)));
        lines.Add(table);
        lock (_events)
            lines.AddRange(_events.Select(e => new Text(e, new Style(Color.Grey))));
        return new Rows(lines);
    }

    internal static string PlainText(ExperimentStatus status)
    {
        var columns = StatusText.Columns(status);
        var rows = status.Trials.Select(t => StatusText.Row(status, t)).ToList();
        int[] widths = columns.Select((c, i) => Math.Max(c.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        text.AppendLine("== Tune Status ==");
        text.AppendLine(StatusText.Header(status));
        foreach (string line in status.SchedulerLines)
            text.AppendLine(line);
        text.AppendLine($"Logical resource usage: {status.ResourceUsage}");
        text.AppendLine(StatusText.Counts(status));
        text.AppendLine(string.Join("  ", columns.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
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
                    context.UpdateTarget(_current);
                    context.Refresh();
                    if (_done) return;
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
