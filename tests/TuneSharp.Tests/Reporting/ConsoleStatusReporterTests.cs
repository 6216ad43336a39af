using TuneSharp.Reporting;

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
        trials);

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

        string[] lines = Lines(ConsoleStatusReporter.PlainText(status));

        Assert.Equal("== Tune Status ==", lines[0]);
        Assert.StartsWith("Current time: 2026-11-27 21:21:41  Running for: 00:01:15.50  Memory: ", lines[1]);
        Assert.Equal(
        [
            "Using FIFO scheduling algorithm.",
            "Logical resource usage: 1.0/2 CPUs, 0.0/0 GPUs",
            "Trials: 5 (1 PENDING, 1 RUNNING, 2 TERMINATED, 1 ERROR)",
            "Trial name         status      loc  x      opt/lr  loss  iter  total time (s)",
            "train_abcde_00000  TERMINATED       0.5    0.01    0.25  3     1.235",
            "train_abcde_00001  ERROR            -1.25  0.001   NaN   1     0.5",
            "train_abcde_00003  PENDING          3",
        ], lines[2..]);
    }

    [Fact]
    public void PlainText_RunningTrial_ShowsHostAndProcessAsLocation()
    {
        var status = Status(Trial(2, TrialStatus.Running, 10, new() { ["x"] = 2.0 }, new() { ["loss"] = 0.123456789, [ResultFields.TimeTotalS] = 12.0 }));

        string row = Lines(ConsoleStatusReporter.PlainText(status))[^1];

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
}
