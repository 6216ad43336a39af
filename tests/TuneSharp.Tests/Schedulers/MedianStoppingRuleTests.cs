using TuneSharp.Schedulers;

namespace TuneSharp.Tests.Schedulers;

public class MedianStoppingRuleTests
{
    private static TrialInfo Info(string id) =>
        new(id, "t_" + id, 0, Config.Empty, TrialStatus.Running, 0, null, null, "", new Resources());

    private static Dictionary<string, object?> At(double t, double acc) => new() { ["training_iteration"] = t, ["acc"] = acc };

    private static MedianStoppingRule Rule(bool hardStop = true)
    {
        var rule = new MedianStoppingRule { TimeAttr = "training_iteration", Metric = "acc", Mode = Mode.Max, GracePeriod = 1, MinSamplesRequired = 2, HardStop = hardStop };
        rule.Setup(null, null, 0);
        return rule;
    }

    [Fact]
    public void OnTrialResult_BestBelowMedianOfRunningMeans_Stops()
    {
        var rule = Rule();
        // a: 0.5, 0.7 (running mean at t=2: 0.6); b: 0.8, 0.9 (mean 0.85): median of means = 0.725.
        foreach (var (id, values) in new[] { ("a", new[] { 0.5, 0.7 }), ("b", new[] { 0.8, 0.9 }) })
            for (int t = 1; t <= values.Length; t++)
                rule.OnTrialResult(Info(id), At(t, values[t - 1]));

        Assert.Equal(TrialAction.Continue, rule.OnTrialResult(Info("c"), At(1, 0.70)).Action); // best 0.70 >= median(0.5, 0.8) = 0.65
        Assert.Equal(TrialAction.Stop, rule.OnTrialResult(Info("c"), At(2, 0.71)).Action);     // best 0.71 < 0.725
        Assert.Equal(TrialAction.Continue, rule.OnTrialResult(Info("d"), At(2, 0.73)).Action); // 0.73 >= median(0.6, 0.85, ...)
    }

    [Fact]
    public void OnTrialResult_TooFewOtherTrials_Continues()
    {
        var rule = Rule();
        rule.OnTrialResult(Info("a"), At(1, 0.9));
        Assert.Equal(TrialAction.Continue, rule.OnTrialResult(Info("b"), At(1, 0.1)).Action);
    }

    [Fact]
    public void OnTrialResult_SoftStop_PausesInsteadOfStopping()
    {
        var rule = Rule(hardStop: false);
        rule.OnTrialResult(Info("a"), At(1, 0.9));
        rule.OnTrialResult(Info("b"), At(1, 0.8));
        Assert.Equal(TrialAction.Pause, rule.OnTrialResult(Info("c"), At(1, 0.1)).Action);
        // Once soft-stopped, the trial runs on FIFO when resumed.
        Assert.Equal(TrialAction.Continue, rule.OnTrialResult(Info("c"), At(2, 0.1)).Action);
    }

    [Fact]
    public void SaveState_RestoreState_GivesTheSameDecisions()
    {
        var rule = Rule();
        rule.OnTrialResult(Info("a"), At(1, 0.9));
        rule.OnTrialResult(Info("b"), At(1, 0.8));
        var restored = Rule();
        restored.RestoreState(rule.SaveState());

        Assert.Equal(rule.OnTrialResult(Info("c"), At(1, 0.1)).Action, restored.OnTrialResult(Info("c"), At(1, 0.1)).Action);
    }
}
