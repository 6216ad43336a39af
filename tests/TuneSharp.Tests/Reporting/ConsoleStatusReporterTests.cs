using TuneSharp.Reporting;
using TuneSharp.Search;

namespace TuneSharp.Tests.Reporting;

/// <summary>Golden test of the plain-text "Tune Status" table printed when output is redirected.</summary>
public class ConsoleStatusReporterTests
{
    private static readonly DateTimeOffset Started = new(2026, 11, 27, 21, 20, 26, TimeSpan.Zero);

    private static TrialInfo Trial(int index, TrialStatus status, long iteration, Dictionary<string, object?> config,
        Dictionary<string, object?>? last) =>
        new($"abcde_{index:D5}", $"train_abcde_{index:D5}", index, new Config(config), status, iteration, last, null, "", new Resources());

    private static ExperimentStatus Status(params TrialInfo[] trials) => new(
        "/tmp/exp", Started, TimeSpan.FromSeconds(75.5), ["Using FIFO scheduling algorithm."], "1.0/2 CPUs, 0.0/0 GPUs", "loss",
        ["x", "opt/lr"],
        new Dictionary<TrialStatus, int> { [TrialStatus.Error] = 1, [TrialStatus.Terminated] = 2, [TrialStatus.Running] = 1, [TrialStatus.Pending] = 1 },
        trials, Mode.Min);

    private static string[] Lines(string text) => text.Replace("\r", "").TrimEnd('\n').Split('\n');

    [Fact]
    public void PlainText_FinishedAndPendingTrials_MatchesTheGoldenLayout()
    {
        var status = Status(
            Trial(0, TrialStatus.Terminated, 3, new() { ["x"] = 0.5, ["opt"] = new Dictionary<string, object?> { ["lr"] = 0.01 } },
                new() { ["loss"] = 0.25, [ResultFields.TimeTotalS] = 1.23456 }),
            Trial(1, TrialStatus.Error, 1, new() { ["x"] = -1.25, ["opt"] = new Dictionary<string, object?> { ["lr"] = 0.001 } },
                new() { ["loss"] = double.NaN, [ResultFields.TimeTotalS] = 0.5 }),
            Trial(3, TrialStatus.Pending, 0, new() { ["x"] = 3 }, null));

        status = status with { BestTrial = status.Trials[0], ErroredTrials = [status.Trials[1] with { Directory = "/tmp/exp/t1" }] };

        string[] lines = Lines(ConsoleStatusReporter.PlainText(status));

        Assert.Equal("== Tune Status ==", lines[0]);
        Assert.Equal("Current time: 2026-11-27 21:21:41  Running for: 00:01:15.50", lines[1]);
        Assert.StartsWith("Memory usage on this node: ", lines[5]);
        lines = lines.Where((_, i) => i != 5).ToArray();
        Assert.Equal(
        [
            "Result logdir: /tmp/exp",
            "Using FIFO scheduling algorithm.",
            "Logical resource usage: 1.0/2 CPUs, 0.0/0 GPUs",
            "Trials: 5 (1 PENDING, 1 RUNNING, 2 TERMINATED, 1 ERROR)",
            "Current best trial: train_abcde_00000 with loss=0.25 and params={\"x\":0.5,\"opt/lr\":0.01}",
            "Trial name         status      loc  x      opt/lr  loss  iter  total time (s)",
            "train_abcde_00000  TERMINATED       0.5    0.01    0.25  3     1.235",
            "train_abcde_00001  ERROR            -1.25  0.001   NaN   1     0.5",
            "train_abcde_00003  PENDING          3",
            "... 2 more trials not shown (1 RUNNING, 1 TERMINATED)",
            "Number of errored trials: 1",
            "train_abcde_00001  /tmp/exp/t1/error.txt",
        ], lines[2..]);
    }

    [Fact]
    public void PlainText_RunningTrial_ShowsHostAndProcessAsLocation()
    {
        var status = Status(Trial(2, TrialStatus.Running, 10, new() { ["x"] = 2.0 }, new() { ["loss"] = 0.123456789, [ResultFields.TimeTotalS] = 12.0 }));

        string row = Lines(ConsoleStatusReporter.PlainText(status))[^2]; // the last line says how many are not shown

        string[] cells = row.Split("  ", StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()).ToArray();
        Assert.Equal(["train_abcde_00002", "RUNNING", $"{Environment.MachineName}:{Environment.ProcessId}", "2", "0.123457", "10", "12"], cells);
    }

    [Fact]
    public void PlainText_NoMetricNoParameters_HasOnlyTheFixedColumns()
    {
        var status = new ExperimentStatus("/tmp/exp", Started, TimeSpan.Zero, [], "0.0/1 CPUs, 0.0/0 GPUs", null, [],
            new Dictionary<TrialStatus, int>(), []);

        string[] lines = Lines(ConsoleStatusReporter.PlainText(status));

        Assert.Equal("Trials: 0 ()", lines[^2]);
        Assert.Equal("Trial name  status  loc  iter  total time (s)", lines[^1]);
    }

    [Fact]
    public void PlainText_TrialsReportMoreThanTheMetric_ShowsTheOthersAfterIt()
    {
        var status = Status(Trial(0, TrialStatus.Running, 1, new() { ["x"] = 0.5 },
            new() { ["accuracy"] = 0.9, ["loss"] = 0.25, ["flag"] = true, ["lr_now"] = 0.1, ["grad"] = 2.0, ["extra"] = 3.0 }));

        Assert.Equal(["loss", "accuracy", "lr_now", "grad"], StatusText.MetricColumns(status)); // four at most, as Ray's
    }

    [Fact]
    public void PlainText_ListValuedParameterAndALongString_ShownAsJsonAndCut()
    {
        var status = Status(Trial(0, TrialStatus.Pending, 0,
            new() { ["x"] = new List<object?> { 16, 32 }, ["opt"] = new Dictionary<string, object?> { ["lr"] = "a-very-long-optimizer-name" } }, null));

        string row = Lines(ConsoleStatusReporter.PlainText(status))[^2];

        Assert.Contains("[16,32]", row);
        Assert.Contains("a-very-long-optim...", row);
        Assert.DoesNotContain("System.", row);
    }

    [Fact]
    public void ColumnsThatFit_NarrowTerminal_DropsLocationThenExtraMetricsThenTimeThenParameters()
    {
        string[] columns = ["Trial name", "status", "loc", "lr", "momentum", "loss", "acc", "iter", "total time (s)"];
        IReadOnlyList<string>[] rows = [["TrainMnist_fabb2_00002", "TERMINATED", "host:1234", "0.002", "0.310074", "0.25", "0.9", "10", "12.5"]];
        string[] metrics = ["loss", "acc"];

        string[] Kept(int width) => StatusText.ColumnsThatFit(columns, rows, width, metrics).Select(i => columns[i]).ToArray();

        Assert.Equal(columns, Kept(200));
        Assert.Equal(["Trial name", "status", "lr", "momentum", "loss", "acc", "iter", "total time (s)"], Kept(90));
        Assert.Equal(["Trial name", "status", "lr", "momentum", "loss", "iter"], Kept(80));
        Assert.Equal(["Trial name", "status", "loss", "iter"], Kept(40));
    }

    [Fact]
    public void Duration_PastADay_CountsTheDays()
    {
        Assert.Equal("00:01:15.50", StatusText.Duration(TimeSpan.FromSeconds(75.5)));
        Assert.Equal("1 day, 01:00:00.00", StatusText.Duration(TimeSpan.FromHours(25)));
        Assert.Equal("3 days, 00:00:00.00", StatusText.Duration(TimeSpan.FromDays(3)));
    }

    [Fact]
    public void OnStatus_Redirected_PrintsOnlyWhenSomethingChangedOrAMinuteWentBy()
    {
        var output = new StringWriter();
        var reporter = new ConsoleStatusReporter(verbose: 1, new CliReporter(), output);
        var trial = Trial(0, TrialStatus.Running, 1, new() { ["x"] = 0.5 }, new() { ["loss"] = 0.25 });
        var status = Status(trial);

        reporter.OnStatus(status);
        reporter.OnStatus(status with { Elapsed = status.Elapsed + TimeSpan.FromSeconds(10) }); // only the clock moved
        reporter.OnStatus(status with { Trials = [trial with { Iteration = 2 }], Elapsed = status.Elapsed + TimeSpan.FromSeconds(20) });
        reporter.OnStatus(status with { Trials = [trial with { Iteration = 2 }], Elapsed = status.Elapsed + TimeSpan.FromSeconds(90) });

        Assert.Equal(3, Lines(output.ToString()).Count(l => l == "== Tune Status =="));
    }

    [Fact]
    public void OnStatus_CliReporterOptions_ChooseTheColumnsAndSortByTheMetric()
    {
        var output = new StringWriter();
        var options = new CliReporter { MetricColumns = ["acc"], ParameterColumns = ["x"], SortByMetric = true };
        var reporter = new ConsoleStatusReporter(verbose: 1, options, output);
        var status = Status(
            Trial(0, TrialStatus.Terminated, 3, new() { ["x"] = 0.5, ["opt"] = new Dictionary<string, object?> { ["lr"] = 0.1 } }, new() { ["loss"] = 0.5, ["acc"] = 0.7 }),
            Trial(1, TrialStatus.Terminated, 3, new() { ["x"] = 0.7, ["opt"] = new Dictionary<string, object?> { ["lr"] = 0.2 } }, new() { ["loss"] = 0.1, ["acc"] = 0.9 }),
            Trial(2, TrialStatus.Pending, 0, new() { ["x"] = 0.9 }, null));

        reporter.OnStatus(status);

        string[] lines = Lines(output.ToString());
        int header = Array.FindIndex(lines, l => l.StartsWith("Trial name", StringComparison.Ordinal));
        Assert.Equal(["Trial", "name", "status", "loc", "x", "acc", "iter", "total", "time", "(s)"], lines[header].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        // Best loss first (the experiment's mode is Min), the trial without a result last.
        Assert.Equal(["train_abcde_00001", "train_abcde_00000", "train_abcde_00002"], lines[(header + 1)..(header + 4)].Select(l => l.Split(' ')[0]));
    }

    [Theory]
    [InlineData(0, 10, null, "MaxProgressRows")]
    [InlineData(20, 0, null, "MaxReportFrequency")]
    [InlineData(20, 10, "", "MetricColumns")]
    public async Task FitAsync_BadCliReporterOption_IsRefusedNamingIt(int rows, int seconds, string? metricColumn, string named)
    {
        using var temp = new TempDirectory();
        var options = new CliReporter
        {
            MaxProgressRows = rows, MaxReportFrequency = TimeSpan.FromSeconds(seconds), MetricColumns = metricColumn is null ? null : [metricColumn],
        };
        var tuner = new Tuner(_ => { }, new SearchSpace(), new TuneConfig(),
            new RunConfig { StoragePath = temp.Path, Name = "bad", Verbose = 1, ProgressReporter = options });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains($"CliReporter.{named}", error.Message);
    }

    [Fact]
    public async Task SortByMetric_WithFewerRowsThanTrials_ShowsTheBestTrial()
    {
        using var temp = new TempDirectory();
        var writer = new StringWriter();
        var reporter = new CliReporter { MaxProgressRows = 2, SortByMetric = true };
        var space = new SearchSpace { ["x"] = Tune.GridSearch(5.0, 1.0, 2.0, 3.0, 4.0) };
        var tuneConfig = new TuneConfig { Metric = "score", Mode = Mode.Max, MaxConcurrentTrials = 1 };
        var runConfig = new RunConfig { StoragePath = temp.Path, Name = "sorted", Verbose = 0, ProgressReporter = reporter,
            Callbacks = [new ConsoleStatusReporter(1, reporter, writer)] };
        var grid = await new Tuner(async t => await t.ReportAsync(new Metrics { ["score"] = t.Config.Get<double>("x") }),
            space, tuneConfig, runConfig).FitAsync();
        string final = writer.ToString().Split("== Tune Status ==").Last();
        Assert.Contains(final.Split('\n'), l => l.StartsWith(grid[4].TrialName + " ", StringComparison.Ordinal)); // sanity: the format
        // Ray's sort_by_metric sorts the terminated trials before it cuts them to max_progress_rows: the best is shown.
        Assert.Contains(final.Split('\n'), l => l.StartsWith(grid.GetBestResult().TrialName + " ", StringComparison.Ordinal));
    }
}
