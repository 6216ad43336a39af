using Microsoft.Extensions.Time.Testing;
using TuneSharp.Search;
using TuneSharp.Stopping;

namespace TuneSharp.Tests.Stopping;

/// <summary>Each stopper against hand-computed sequences (Ray's <c>tune.stopper</c> module).</summary>
public class StopperTests
{
    private static Dictionary<string, object?> R(string metric, double value) => new() { [metric] = value };

    private static List<bool> Feed(IStopper stopper, string trialId, string metric, params double[] values) =>
        values.Select(v => stopper.ShouldStopTrial(trialId, R(metric, v))).ToList();

    [Fact]
    public void MaximumIterationStopper_CountsResultsPerTrial()
    {
        var stopper = new MaximumIterationStopper(3);
        Assert.Equal([false, false], Feed(stopper, "a", "loss", 1, 1));
        Assert.False(stopper.ShouldStopTrial("b", R("loss", 1)));
        Assert.True(stopper.ShouldStopTrial("a", R("loss", 1)));
        Assert.False(stopper.ShouldStopAll());
    }

    [Fact]
    public void MaximumIterationStopper_NonPositive_ThrowsNamingTheValue()
    {
        Assert.Contains("maxIterations is 0", Assert.Throws<TuneException>(() => new MaximumIterationStopper(0)).Message);
    }

    [Fact]
    public void TrialPlateauStopper_ConstantMetric_StopsAfterGracePeriod()
    {
        var stopper = new TrialPlateauStopper("loss");
        Assert.Equal([false, false, false, true], Feed(stopper, "a", "loss", 1, 1, 1, 1));
    }

    [Fact]
    public void TrialPlateauStopper_SlidingWindow_StopsWhenPopulationStdDropsBelowStd()
    {
        var stopper = new TrialPlateauStopper("loss") { Std = 0.001 };
        // Windows of 4: [1, 2, 1.001, 1] std 0.43; [2, 1.001, 1, 1.002] std 0.43;
        // [1.001, 1, 1.002, 1.001] mean 1.001, std sqrt(2e-6 / 4) = 0.000707 < 0.001.
        Assert.Equal([false, false, false, false, false, true], Feed(stopper, "a", "loss", 1, 2, 1.001, 1, 1.002, 1.001));
    }

    [Fact]
    public void TrialPlateauStopper_GracePeriodLongerThanWindow_WaitsForGracePeriod()
    {
        var stopper = new TrialPlateauStopper("loss") { NumResults = 2, GracePeriod = 5 };
        Assert.Equal([false, false, false, false, true], Feed(stopper, "a", "loss", 3, 3, 3, 3, 3));
    }

    [Theory]
    [InlineData(Mode.Min, 1.0, false)]  // plateaued, but worse than the threshold 0.5
    [InlineData(Mode.Min, 0.5, true)]   // reaching the threshold counts (Ray: keep going only if value > threshold)
    [InlineData(Mode.Min, 0.4, true)]
    [InlineData(Mode.Max, 0.4, false)]
    [InlineData(Mode.Max, 0.5, true)]
    [InlineData(Mode.Max, 0.6, true)]
    public void TrialPlateauStopper_MetricThreshold_StopsOnlyOnceReached(Mode mode, double value, bool stops)
    {
        var stopper = new TrialPlateauStopper("loss") { MetricThreshold = 0.5, Mode = mode };
        Assert.Equal(stops, Feed(stopper, "a", "loss", value, value, value, value)[^1]);
    }

    /// <summary>Ray's TrialPlateauStopper raises when metric_threshold comes without a mode: read as "min", a maximised
    /// metric would stop exactly the trials below the threshold.</summary>
    [Fact]
    public void TrialPlateauStopper_MetricThresholdWithoutMode_IsRefused()
    {
        IStopper stopper = new TrialPlateauStopper("acc") { MetricThreshold = 0.9 };
        Assert.Contains("Mode is not set", Assert.Throws<TuneException>(stopper.Validate).Message);
    }

    [Fact]
    public void TrialPlateauStopper_TrialsAndMissingMetric_AreKeptApart()
    {
        var stopper = new TrialPlateauStopper("loss");
        Feed(stopper, "a", "loss", 1, 1, 1);
        Assert.False(stopper.ShouldStopTrial("a", R("acc", 1)));
        Assert.Equal([false, false, false], Feed(stopper, "b", "loss", 1, 1, 1));
        Assert.True(stopper.ShouldStopTrial("a", R("loss", 1)));
    }

    [Fact]
    public void ExperimentPlateauStopper_TopValuesPlateau_StopsEverything()
    {
        var stopper = new ExperimentPlateauStopper("loss") { Top = 3, Std = 0.001 };
        // Best three (lowest) losses: [5], [1, 5], [1, 1, 5] std 1.9, [1, 1, 1] std 0 → plateau, patience 0.
        Assert.Equal([false, false, false, true], Feed(stopper, "a", "loss", 5, 1, 1, 1));
        Assert.True(stopper.ShouldStopAll());
    }

    [Fact]
    public void ExperimentPlateauStopper_MaxMode_KeepsTheHighestValues()
    {
        var stopper = new ExperimentPlateauStopper("acc") { Top = 3, Mode = Mode.Max };
        Assert.Equal([false, false, false, true], Feed(stopper, "a", "acc", 0.1, 0.9, 0.9, 0.9));
    }

    [Fact]
    public void ExperimentPlateauStopper_Patience_WaitsThatManyPlateauedResults()
    {
        var stopper = new ExperimentPlateauStopper("loss") { Top = 2, Patience = 2 };
        // Plateaued from the 2nd result on: counter 1, 2 → stops at the 3rd; a better value resets it.
        Assert.Equal([false, false, true], Feed(stopper, "a", "loss", 1, 1, 1));
        var other = new ExperimentPlateauStopper("loss") { Top = 2, Patience = 2 };
        Assert.Equal([false, false, false, false, true], Feed(other, "a", "loss", 1, 1, 0.5, 0.5, 0.5));
    }

    [Fact]
    public void TimeoutStopper_FakeClock_StopsWhenTheTimeoutHasPassed()
    {
        var clock = new FakeTimeProvider();
        var stopper = new TimeoutStopper(TimeSpan.FromSeconds(10), clock);
        Assert.False(stopper.ShouldStopAll()); // the clock starts at the first check
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(stopper.ShouldStopAll());
        Assert.False(stopper.ShouldStopTrial("a", R("loss", 1)));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(stopper.ShouldStopAll());
        Assert.True(stopper.ShouldStopTrial("a", R("loss", 1)));
    }

    /// <summary>Ray's test_timeout_stopper_recover_before_timeout / _after_timeout: a restored stopper goes on with the
    /// time it had left, not counting the time in between.</summary>
    [Fact]
    public void TimeoutStopper_SavedAndRestored_GoesOnWithTheTimeLeft()
    {
        var clock = new FakeTimeProvider();
        var stopper = new TimeoutStopper(TimeSpan.FromSeconds(60), clock);
        Assert.False(stopper.ShouldStopAll());
        clock.Advance(TimeSpan.FromSeconds(40));
        Assert.False(stopper.ShouldStopAll());
        var saved = stopper.SaveState()!;

        clock.Advance(TimeSpan.FromSeconds(200)); // the experiment was down
        var restored = new TimeoutStopper(TimeSpan.FromSeconds(60), clock);
        restored.RestoreState(saved);
        Assert.False(restored.ShouldStopAll());
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(restored.ShouldStopAll());
        clock.Advance(TimeSpan.FromSeconds(12));
        Assert.True(restored.ShouldStopAll());

        var after = new TimeoutStopper(TimeSpan.FromSeconds(60), clock);
        after.RestoreState(restored.SaveState()!);
        Assert.True(after.ShouldStopAll());
    }

    [Fact]
    public void Stoppers_SavedAndRestored_KeepWhatTheyCounted()
    {
        var combined = new CombinedStopper(new MaximumIterationStopper(3), new TrialPlateauStopper("loss") { NumResults = 2, GracePeriod = 2 },
            new ExperimentPlateauStopper("loss") { Top = 2 });
        Assert.Equal([false, false], Feed(combined, "a", "loss", 5, 1));
        StopCriteria criteria = combined;
        var saved = System.Text.Json.Nodes.JsonNode.Parse(criteria.SaveState()!.ToJsonString())!.AsObject();

        var again = new CombinedStopper(new MaximumIterationStopper(3), new TrialPlateauStopper("loss") { NumResults = 2, GracePeriod = 2 },
            new ExperimentPlateauStopper("loss") { Top = 2 });
        StopCriteria restored = again;
        restored.RestoreState(saved);
        // The third result: the iteration limit, the trial's window [1, 1] and the experiment's best two [1, 1] all stop it.
        Assert.True(again.Stoppers[0].ShouldStopTrial("a", R("loss", 1)));
        Assert.True(again.Stoppers[1].ShouldStopTrial("a", R("loss", 1)));
        Assert.True(again.Stoppers[2].ShouldStopTrial("a", R("loss", 1)));
    }

    [Fact]
    public void TimeoutStopper_NonPositive_ThrowsNamingTheValue()
    {
        Assert.Contains("00:00:00", Assert.Throws<TuneException>(() => new TimeoutStopper(TimeSpan.Zero)).Message);
    }

    [Fact]
    public void CombinedStopper_AnyStopperStops_AndEveryStopperSeesEveryResult()
    {
        var counting = new CountingStopper();
        var stopper = new CombinedStopper(new MaximumIterationStopper(2), counting);
        Assert.Equal([false, true, true], Feed(stopper, "a", "loss", 1, 1, 1));
        Assert.Equal(3, counting.Calls);
    }

    [Fact]
    public void CombinedStopper_ShouldStopAll_AsksEveryStopper()
    {
        var clock = new FakeTimeProvider();
        var stopper = new CombinedStopper(new MaximumIterationStopper(5), new TimeoutStopper(TimeSpan.FromMinutes(1), clock));
        Assert.False(stopper.ShouldStopAll());
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True(stopper.ShouldStopAll());
    }

    [Fact]
    public void StopCriteria_Thresholds_StopWhenAValueReachesIt()
    {
        StopCriteria criteria = new Dictionary<string, double> { ["acc"] = 0.9, ["training_iteration"] = 10 };
        Assert.False(criteria.ShouldStopTrial("a", new Dictionary<string, object?> { ["acc"] = 0.89, ["training_iteration"] = 3L }));
        Assert.True(criteria.ShouldStopTrial("a", new Dictionary<string, object?> { ["acc"] = 0.9, ["training_iteration"] = 3L }));
        Assert.True(criteria.ShouldStopTrial("a", new Dictionary<string, object?> { ["acc"] = 0.1, ["training_iteration"] = 10L }));
        Assert.False(criteria.ShouldStopAll());
    }

    [Fact]
    public void StopCriteria_NestedThreshold_ReadsTheNestedValue()
    {
        var criteria = new StopCriteria { ["val/acc"] = 0.9 };
        var nested = new Dictionary<string, object?> { ["val"] = new Dictionary<string, object?> { ["acc"] = 0.95 } };
        Assert.True(criteria.ShouldStopTrial("a", nested));
    }

    [Fact]
    public void StopCriteria_Predicate_GetsTrialIdAndResult()
    {
        StopCriteria criteria = (Func<string, IReadOnlyDictionary<string, object?>, bool>)((id, r) => id == "b" && (double)r["loss"]! < 1);
        Assert.False(criteria.ShouldStopTrial("a", R("loss", 0.5)));
        Assert.False(criteria.ShouldStopTrial("b", R("loss", 1.5)));
        Assert.True(criteria.ShouldStopTrial("b", R("loss", 0.5)));
    }

    [Fact]
    public void StopCriteria_FromStopper_DelegatesTrialAndExperimentChecks()
    {
        var clock = new FakeTimeProvider();
        StopCriteria criteria = new TimeoutStopper(TimeSpan.FromSeconds(5), clock);
        Assert.False(criteria.ShouldStopAll());
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(criteria.ShouldStopAll());
        Assert.True(criteria.ShouldStopTrial("a", R("loss", 1)));
    }

    [Fact]
    public async Task FitAsync_PlateauStopperWithBadSettings_IsRefusedBeforeAnyTrialRuns()
    {
        using var temp = new TempDirectory();
        int ran = 0;
        var tuner = new Tuner(_ => { Interlocked.Increment(ref ran); }, new SearchSpace(), new TuneConfig(),
            new RunConfig { StoragePath = temp.Path, Verbose = 0, Stop = new CombinedStopper(new ExperimentPlateauStopper("loss") { Top = 1 }) });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("ExperimentPlateauStopper.Top is 1", error.Message);
        Assert.Equal(0, ran);
        Assert.Contains("TrialPlateauStopper.NumResults is 0",
            Assert.Throws<TuneException>(() => ((IStopper)new TrialPlateauStopper("loss") { NumResults = 0 }).Validate()).Message);
    }

    [Fact]
    public async Task FitAsync_PlateauStopperMetricNeverReported_ThrowsNamingTheStopper()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(async trial => await trial.ReportAsync(new Metrics { ["loss"] = 1.0 }), new SearchSpace(), new TuneConfig(),
            new RunConfig { StoragePath = temp.Path, Verbose = 0, Stop = new TrialPlateauStopper("los") });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("without 'los', named in RunConfig.Stop (TrialPlateauStopper)", error.Message);
    }

    private sealed class CountingStopper : Stopper
    {
        public int Calls { get; private set; }

        public override bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result)
        {
            Calls++;
            return false;
        }
    }
}
