using System.Globalization;
using System.Text.Json.Nodes;
using TuneSharp.Schedulers;

namespace TuneSharp.Tests.Schedulers;

/// <summary>ASHA's rungs and decisions against hand-computed cases (Ray's <c>_Bracket.on_result</c>).</summary>
public class AsyncHyperBandSchedulerTests
{
    private static TrialInfo Trial(string id) =>
        new(id, "train_" + id, 0, Config.Empty, TrialStatus.Running, 0, null, null, "", new Resources());

    private static Dictionary<string, object?> Result(double t, double value, string metric = "acc") =>
        new() { [ResultFields.TrainingIteration] = (long)t, [metric] = value };

    private static AsyncHyperBandScheduler Asha(Mode mode = Mode.Max, int brackets = 1, double rf = 2, double maxT = 10,
        bool stopLastTrials = true, int seed = 0)
    {
        var scheduler = new AsyncHyperBandScheduler
        {
            GracePeriod = 1, MaxT = maxT, ReductionFactor = rf, Brackets = brackets, StopLastTrials = stopLastTrials,
        };
        scheduler.Setup("acc", mode, seed);
        return scheduler;
    }

    private static TrialAction Report(AsyncHyperBandScheduler scheduler, string id, double t, double value) =>
        scheduler.OnTrialResult(Trial(id), Result(t, value)).Action;

    [Fact]
    public void Setup_ThreeBrackets_HaveRayRungMilestones()
    {
        var scheduler = Asha(brackets: 3);
        var milestones = scheduler.BracketList.Select(b => b.Rungs.Select(r => r.Milestone).Reverse().ToArray()).ToList();
        Assert.Equal([1.0, 2, 4, 8], milestones[0]);
        Assert.Equal([2.0, 4, 8], milestones[1]);
        Assert.Equal([4.0, 8], milestones[2]);
    }

    [Fact]
    public void Setup_ExactPowerOfReductionFactor_IncludesMaxTAsARung()
    {
        var scheduler = new AsyncHyperBandScheduler { GracePeriod = 1, MaxT = 81, ReductionFactor = 3 };
        scheduler.Setup("acc", Mode.Max, 0);
        Assert.Equal([1.0, 3, 9, 27, 81], scheduler.BracketList[0].Rungs.Select(r => r.Milestone).Reverse());
    }

    [Fact]
    public void OnTrialResult_NaNAtARung_IsDecidedThereOnceAndLeftOutOfTheCutoff()
    {
        var scheduler = Asha(maxT: 100);
        Assert.Equal(TrialAction.Continue, Report(scheduler, "a", 1, 0.5));
        Assert.Equal(TrialAction.Continue, Report(scheduler, "b", 1, 0.9));
        Assert.Equal(TrialAction.Continue, Report(scheduler, "n", 1, double.NaN)); // NaN < cutoff is false, as in Ray
        // Recorded at rung 1, so a later poor value below rung 2 is not judged at rung 1 again.
        Assert.Equal(TrialAction.Continue, Report(scheduler, "n", 1.5, 0.0));
        // The NaN does not enter the cutoff: q50([0.5, 0.9]) = 0.7.
        Assert.Equal(TrialAction.Stop, Report(scheduler, "c", 1, 0.69));
        var rung1 = scheduler.BracketList[0].Rungs[^1];
        Assert.True(double.IsNaN(rung1.Recorded["n"]));
        // The state keeps it through JSON.
        var restored = Asha(maxT: 100);
        restored.RestoreState(System.Text.Json.Nodes.JsonNode.Parse(scheduler.SaveState().ToJsonString(JsonDefaults.Options))!.AsObject());
        Assert.True(double.IsNaN(restored.BracketList[0].Rungs[^1].Recorded["n"]));
    }

    [Fact]
    public void OnTrialResult_FirstRung_StopsTrialsBelowTheMedianOfEarlierValues()
    {
        var scheduler = Asha();
        Assert.Equal(TrialAction.Continue, Report(scheduler, "a", 1, 0.0)); // nothing recorded: no cutoff
        Assert.Equal(TrialAction.Continue, Report(scheduler, "b", 1, 1.0)); // cutoff = q50([0]) = 0
        // cutoff = q50([0, 1]) = 0.5, computed before 0.4 is added (after adding it would be 0.4 and pass).
        Assert.Equal(TrialAction.Stop, Report(scheduler, "c", 1, 0.4));
        Assert.Equal(TrialAction.Continue, Report(scheduler, "d", 1, 0.5)); // cutoff = q50([0, 1, 0.4]) = 0.4
        // cutoff = q50([0, 1, 0.4, 0.5]) = 0.45 (linear interpolation between 0.4 and 0.5)
        Assert.Equal(TrialAction.Stop, Report(scheduler, "e", 1, 0.44));
        // cutoff = q50([0, 0.4, 0.44, 0.5, 1]) = 0.44: a value equal to the cutoff passes.
        Assert.Equal(TrialAction.Continue, Report(scheduler, "f", 1, 0.44));
    }

    [Fact]
    public void OnTrialResult_LaterRungsAndRepeats_UseOnlyTheFirstNewlyReachedRung()
    {
        var scheduler = Asha();
        Report(scheduler, "a", 1, 0.5);
        Report(scheduler, "b", 1, 0.6);
        Assert.Equal(TrialAction.Continue, Report(scheduler, "a", 2, 0.2)); // rung 2 empty
        Assert.Equal(TrialAction.Continue, Report(scheduler, "b", 2, 0.9)); // cutoff q50([0.2]) = 0.2
        // a already recorded at rungs 1 and 2; t = 3 reaches no new rung, however bad the value.
        Assert.Equal(TrialAction.Continue, Report(scheduler, "a", 3, -100));
        // b jumps from 2 to 5: only rung 4 (the highest reached) judges it; it is empty, so it passes.
        Assert.Equal(TrialAction.Continue, Report(scheduler, "b", 5, 0.1));
        var rungs = scheduler.BracketList[0].Rungs.ToDictionary(r => r.Milestone, r => r.Recorded);
        Assert.Equal(new Dictionary<string, double> { ["b"] = 0.1 }, rungs[4]);
        Assert.Equal(new Dictionary<string, double> { ["a"] = 0.2, ["b"] = 0.9 }, rungs[2]);
    }

    [Fact]
    public void OnTrialResult_MinMode_FlipsTheSign()
    {
        var scheduler = Asha(Mode.Min);
        Assert.Equal(TrialAction.Continue, Report(scheduler, "a", 1, 1.0));
        Assert.Equal(TrialAction.Continue, Report(scheduler, "b", 1, 0.0)); // -0 >= cutoff -1
        Assert.Equal(TrialAction.Stop, Report(scheduler, "c", 1, 0.6));     // -0.6 < cutoff q50([-1, 0]) = -0.5
        Assert.Equal(-0.6, scheduler.BracketList[0].Rungs[^1].Recorded["c"]);
    }

    [Fact]
    public void OnTrialResult_ReachingMaxT_StopsEvenTheBestTrial()
    {
        var scheduler = Asha();
        Assert.Equal(TrialAction.Stop, Report(scheduler, "a", 10, 1.0));
        Assert.Equal(TrialAction.Stop, Report(scheduler, "b", 12, 2.0));
        Assert.Contains("num_stopped=2", scheduler.StatusLines()[0]);
    }

    [Fact]
    public void StatusLines_Cutoffs_ShortAndTheSameInEveryCulture()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("sv-SE");
        try
        {
            var scheduler = Asha();
            Report(scheduler, "a", 1, 0.1 + 0.2); // 0.30000000000000004
            Report(scheduler, "b", 1, 0.3);

            Assert.Contains("Iter 1.000: 0.3", scheduler.StatusLines()[1]);
            Assert.DoesNotContain("0.30000000000000004", scheduler.StatusLines()[1]);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void OnTrialResult_MaxTWithoutStopLastTrials_Continues()
    {
        var scheduler = Asha(stopLastTrials: false);
        Assert.Equal(TrialAction.Continue, Report(scheduler, "a", 10, 1.0));
    }

    [Fact]
    public void OnTrialResult_MissingMetricOrTime_Continues()
    {
        var scheduler = Asha();
        Report(scheduler, "a", 1, 1.0);
        var withoutMetric = new Dictionary<string, object?> { [ResultFields.TrainingIteration] = 1L, ["loss"] = -5.0 };
        Assert.Equal(TrialAction.Continue, scheduler.OnTrialResult(Trial("b"), withoutMetric).Action);
        Assert.Equal(TrialAction.Continue, scheduler.OnTrialResult(Trial("c"), new Dictionary<string, object?> { ["acc"] = -5.0 }).Action);
    }

    [Fact]
    public void OnTrialComplete_LastResult_IsRecordedAtItsRung()
    {
        var scheduler = Asha();
        scheduler.OnTrialAdd(Trial("a"));
        scheduler.OnTrialComplete(Trial("a"), Result(1, 0.7));
        Assert.Equal(0.7, scheduler.BracketList[0].Rungs[^1].Recorded["a"]);
    }

    [Theory]
    [InlineData(4.0, new[] { 3.0, 0, 2, 1 }, 2.25)] // R7: h = (4-1)·0.75 = 2.25 → 2 + 0.25·(3-2)
    [InlineData(2.0, new[] { 3.0, 0, 2, 1 }, 1.5)]
    [InlineData(2.0, new[] { 3.0, double.NaN, 1 }, 2.0)] // NaN ignored, as numpy's nanpercentile
    [InlineData(3.0, new[] { 10.0 }, 10.0)]
    public void Cutoff_RecordedValues_IsLinearQuantileAtOneMinusOneOverEta(double rf, double[] recorded, double expected)
    {
        var bracket = new AshaBracket(1, 100, rf, 0, stopLastTrials: true);
        var rung = bracket.Rungs[^1];
        for (int i = 0; i < recorded.Length; i++)
            rung.Recorded[$"t{i}"] = recorded[i];
        Assert.Equal(expected, bracket.Cutoff(rung)!.Value, 12);
    }

    [Fact]
    public void Cutoff_EmptyRung_IsNull()
    {
        var bracket = new AshaBracket(1, 100, 4, 0, stopLastTrials: true);
        Assert.Null(bracket.Cutoff(bracket.Rungs[0]));
    }

    [Fact]
    public void RestoreState_AfterSaveState_MakesTheSameDecisionsAndBracketDraws()
    {
        var original = Asha(brackets: 3, seed: 5);
        for (int i = 0; i < 6; i++)
        {
            original.OnTrialAdd(Trial($"t{i}"));
            original.OnTrialResult(Trial($"t{i}"), Result(4, i / 10.0));
        }
        string saved = original.SaveState().ToJsonString();

        var restored = Asha(brackets: 3, seed: 99);
        restored.RestoreState(JsonNode.Parse(saved)!.AsObject());

        for (int i = 6; i < 20; i++)
        {
            original.OnTrialAdd(Trial($"t{i}"));
            restored.OnTrialAdd(Trial($"t{i}"));
            double value = (i * 37 % 11) / 10.0;
            Assert.Equal(original.OnTrialResult(Trial($"t{i}"), Result(4, value)).Action,
                restored.OnTrialResult(Trial($"t{i}"), Result(4, value)).Action);
        }
        Assert.Equal(original.SaveState().ToJsonString(), restored.SaveState().ToJsonString());
    }

    [Theory]
    [InlineData(0.0, 10.0, 2.0, 1, "GracePeriod")]
    [InlineData(5.0, 4.0, 2.0, 1, "MaxT")]
    [InlineData(1.0, 10.0, 1.0, 1, "ReductionFactor")]
    [InlineData(1.0, 10.0, 2.0, 0, "Brackets")]
    [InlineData(1.0, 2.0, 2.0, 3, "bracket 2 has no rung")]
    public void Setup_InvalidOptions_ThrowsNamingTheOption(double grace, double maxT, double rf, int brackets, string expected)
    {
        var scheduler = new AshaScheduler { GracePeriod = grace, MaxT = maxT, ReductionFactor = rf, Brackets = brackets };
        Assert.Contains(expected, Assert.Throws<TuneException>(() => scheduler.Setup("acc", Mode.Max, 0)).Message);
    }

    [Fact]
    public void Setup_NoMetric_ThrowsNamingWhereToSetIt()
    {
        var error = Assert.Throws<TuneException>(() => new AshaScheduler().Setup(null, Mode.Max, 0));
        Assert.Contains("TuneConfig.Metric", error.Message);
    }
}
