using System.Text.Json.Nodes;
using TuneSharp.Schedulers;
using TuneSharp.Search.Bohb;

namespace TuneSharp.Tests.Schedulers;

public class HyperBandForBohbTests
{
    private static TrialInfo Info(string id, TrialStatus status = TrialStatus.Running) =>
        new(id, "t_" + id, 0, Config.Empty, status, 0, null, null, "", new Resources());

    private static Dictionary<string, object?> Result(double t, double value) =>
        new() { ["training_iteration"] = t, ["acc"] = value };

    private sealed class Budgets : IBudgetObserver
    {
        public List<(string Id, double Budget, double Acc)> Seen { get; } = [];

        public void OnBudgetReached(string trialId, double budget, IReadOnlyDictionary<string, object?> result) =>
            Seen.Add((trialId, budget, (double)result["acc"]!));
    }

    private sealed class View : IExperimentView
    {
        public int WaitingCount => 0;
        public int RunningCount { get; set; }
        public string ExperimentPath => "";
        public Resources Capacity => new() { Cpu = 1 };
        public Resources LiveTrialResources => new() { Cpu = RunningCount };
    }

    private static (HyperBandForBohb Scheduler, Budgets Budgets, View View) Create(double maxT = 9)
    {
        var scheduler = new HyperBandForBohb { Metric = "acc", Mode = Mode.Max, MaxT = maxT, ReductionFactor = 3 };
        scheduler.Setup(null, null, 0);
        var budgets = new Budgets();
        scheduler.Observer = budgets;
        var view = new View();
        ((ITrialScheduler)scheduler).Attach(view);
        return (scheduler, budgets, view);
    }

    [Fact]
    public void OnTrialAdd_FillsTheLargestBracketFirst()
    {
        var (scheduler, _, _) = Create(maxT: 81);
        for (int i = 0; i < 81 + 34 + 1; i++)
            scheduler.OnTrialAdd(Info($"{i}"));

        var band = scheduler.Bands[0];
        // Falkner et al. 2018, Algorithm 1 / Ray's HyperBandForBOHB: s = 4 (81 trials from r = 1), then s = 3 (34 from 3)...
        Assert.Equal([81, 34, 1], band.Select(b => b.LiveTrials.Count));
        Assert.Equal([1.0, 3, 9], band.Select(b => b.Milestone));
    }

    [Fact]
    public void OnTrialResult_BracketNotFilled_PausesAtTheMilestoneWithoutHalving()
    {
        // MaxT 9, η 3: the first bracket is s = 2: 9 trials from r = 1, keeping 3 at r = 3 and 1 at r = 9.
        var (scheduler, budgets, view) = Create();
        view.RunningCount = 1; // another trial runs, so the bracket may still fill
        foreach (string id in new[] { "a", "b" })
            scheduler.OnTrialAdd(Info(id));

        Assert.Equal(TrialAction.Pause, scheduler.OnTrialResult(Info("a"), Result(1, 0.5)).Action);
        Assert.Equal(TrialAction.Pause, scheduler.OnTrialResult(Info("b"), Result(1, 0.9)).Action);
        Assert.Empty(scheduler.TakeDecisions());
        // Every trial of the bracket is paused: nothing is promoted until the bracket fills.
        Assert.Null(scheduler.ChooseTrialToRun([Info("a", TrialStatus.Paused), Info("b", TrialStatus.Paused)]));
        Assert.Equal([("a", 1.0, 0.5), ("b", 1.0, 0.9)], budgets.Seen);
    }

    [Fact]
    public void OnTrialResult_BracketFilled_HalvesAndReportsEachMilestoneOnce()
    {
        var (scheduler, budgets, _) = Create();
        string[] ids = Enumerable.Range(0, 9).Select(i => $"t{i}").ToArray();
        foreach (string id in ids)
            scheduler.OnTrialAdd(Info(id));
        for (int i = 0; i < 8; i++)
            Assert.Equal(TrialAction.Pause, scheduler.OnTrialResult(Info(ids[i]), Result(1, i / 10.0)).Action);

        // The ninth completes the round: the best ⌈9/3⌉ = 3 (t8, t7, t6) go on, the other six stop.
        Assert.Equal(TrialAction.Continue, scheduler.OnTrialResult(Info("t8"), Result(1, 0.8)).Action);
        Assert.Equal(ids.Take(6), scheduler.TakeDecisions().Select(d => d.Key).Order());
        Assert.Equal(9, budgets.Seen.Count);
        Assert.All(budgets.Seen, s => Assert.Equal(1.0, s.Budget));

        // Between milestones nothing is reported; at r = 3 the trial's result is, once.
        scheduler.OnTrialResult(Info("t8"), Result(2, 0.85));
        Assert.Equal(TrialAction.Pause, scheduler.OnTrialResult(Info("t8"), Result(3, 0.9)).Action);
        Assert.Equal(("t8", 3.0, 0.9), budgets.Seen[^1]);
        Assert.Equal(10, budgets.Seen.Count);
    }

    [Fact]
    public void ChooseTrialToRun_NothingRunningAndBracketStuck_HalvesWithWhatItHas()
    {
        var (scheduler, budgets, view) = Create();
        string[] ids = ["a", "b", "c", "d", "e"];
        foreach (string id in ids)
            scheduler.OnTrialAdd(Info(id));
        for (int i = 0; i < ids.Length; i++)
            scheduler.OnTrialResult(Info(ids[i]), Result(1, i / 10.0));
        var waiting = ids.Select(id => Info(id, TrialStatus.Paused)).ToList();

        // A trial still running may yet bring new trials: wait.
        view.RunningCount = 1;
        Assert.Null(scheduler.ChooseTrialToRun(waiting));
        // Nothing running and nothing to start: halve the 5 trials as if the bracket were filled (keep 3).
        view.RunningCount = 0;
        TrialInfo? chosen = scheduler.ChooseTrialToRun(waiting);

        Assert.NotNull(chosen);
        Assert.Contains(chosen.TrialId, new[] { "c", "d", "e" });
        Assert.Equal(["a", "b"], scheduler.TakeDecisions().Select(d => d.Key).Order());
        Assert.Equal(5, budgets.Seen.Count);
    }

    [Fact]
    public void ChooseTrialToRun_PendingTrialWaiting_RunsIt()
    {
        var (scheduler, _, _) = Create();
        scheduler.OnTrialAdd(Info("a"));
        scheduler.OnTrialResult(Info("a"), Result(1, 0.5));
        scheduler.OnTrialAdd(Info("b"));

        Assert.Equal("b", scheduler.ChooseTrialToRun([Info("a", TrialStatus.Paused), Info("b", TrialStatus.Pending)])?.TrialId);
    }

    [Fact]
    public void SaveRestore_KeepsBracketsOrderAndReportedBudgets()
    {
        var (scheduler, _, _) = Create(maxT: 27);
        for (int i = 0; i < 30; i++)
            scheduler.OnTrialAdd(Info($"t{i}"));
        scheduler.OnTrialResult(Info("t0"), Result(1, 0.3));
        JsonObject state = JsonNode.Parse(scheduler.SaveState().ToJsonString())!.AsObject();

        var (restored, budgets, _) = Create(maxT: 27);
        restored.RestoreState(state);

        Assert.Equal(state.ToJsonString(), restored.SaveState().ToJsonString());
        Assert.Equal(scheduler.Bands[0].Select(b => (b.N0, b.Milestone)), restored.Bands[0].Select(b => (b.N0, b.Milestone)));
        // t0 was already reported at budget 1; a replayed result there is not reported twice.
        restored.OnTrialResult(Info("t0"), Result(1, 0.3));
        Assert.Empty(budgets.Seen);
        restored.OnTrialResult(Info("t1"), Result(1, 0.4));
        Assert.Equal([("t1", 1.0, 0.4)], budgets.Seen);
    }

    [Fact]
    public void Setup_NoMetric_NamesHyperBandForBohb()
    {
        var error = Assert.Throws<TuneException>(() => new HyperBandForBohb().Setup(null, Mode.Max, 0));
        Assert.Contains("HyperBandForBohb needs a metric", error.Message);
    }
}
