using TuneSharp.Search;
using static TuneSharp.Tests.Search.Bohb.BohbTestKit;

namespace TuneSharp.Tests.Search.Bohb;

public class BohbSearchTests
{
    private static readonly SearchSpace TwoD = new() { ["x"] = Tune.Uniform(-5, 5), ["y"] = Tune.Uniform(-5, 5) };

    private static double Bowl(Config c) => Math.Pow(c.Get<double>("x") - 1, 2) + Math.Pow(c.Get<double>("y") + 2, 2);

    [Fact]
    public void ModelBudget_IsTheLargestBudgetWithNMinPlusTwoObservations()
    {
        // d = 2, so N_min = 3 and a budget is modelled from 5 observations on.
        var searcher = Setup(TwoD);
        for (int i = 0; i < 12; i++)
            Next(searcher, $"t{i}");
        Assert.Null(searcher.ModelBudget);

        for (int i = 0; i < 10; i++)
            Observe(searcher, $"t{i}", 1, i);
        for (int i = 0; i < 5; i++)
            Observe(searcher, $"t{i}", 3, i);
        for (int i = 0; i < 4; i++)
            Observe(searcher, $"t{i}", 9, i);
        Assert.Equal(3, searcher.ModelBudget);

        Observe(searcher, "t4", 9, 4);
        Assert.Equal(9, searcher.ModelBudget);
    }

    [Fact]
    public void MinPointsInModel_RaisesTheThreshold()
    {
        var searcher = Setup(TwoD, new BohbSearch { MinPointsInModel = 6 });
        for (int i = 0; i < 8; i++)
        {
            Next(searcher, $"t{i}");
            Observe(searcher, $"t{i}", 1, i);
        }
        Assert.Equal(1, searcher.ModelBudget); // 8 = 6 + 2
        Assert.Equal(8, searcher.ObservationsByBudget[1].Count);
    }

    [Fact]
    public void Suggest_NoModelYet_IsRandom_ThenModelBasedAtOneMinusRandomFraction()
    {
        var searcher = Setup(TwoD, new BohbSearch(), seed: 3);
        Run(searcher, Bowl, 4);
        Assert.Equal(0, searcher.ModelBasedSuggestions); // 4 < N_min + 2 = 5 observations: all random

        Run(searcher, Bowl, 300, prefix: "m");
        // The fifth trial was suggested with 4 observations; from the sixth on, each is model-based with probability 2/3.
        double fraction = searcher.ModelBasedSuggestions / 299.0;
        Assert.InRange(fraction, 0.58, 0.75);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void RandomFraction_ZeroAndOne_AreAllModelOrAllRandom(double fraction)
    {
        var searcher = Setup(TwoD, new BohbSearch { RandomFraction = fraction });
        Run(searcher, Bowl, 5);
        Run(searcher, Bowl, 20, prefix: "m");

        Assert.Equal(fraction == 0 ? 20 : 0, searcher.ModelBasedSuggestions);
    }

    [Fact]
    public void Suggest_ModelBased_ConvergesOnTheBowl()
    {
        var searcher = Setup(TwoD, new BohbSearch { RandomFraction = 0 }, seed: 5);
        var history = Run(searcher, Bowl, 80);

        double randomBest = history.Take(10).Min(h => h.Loss);
        double lastMedian = history.Skip(60).Select(h => h.Loss).Order().ElementAt(10);
        Assert.True(lastMedian < 1.0, $"median loss of the last 20 model-based suggestions is {lastMedian}");
        Assert.True(history.Min(h => h.Loss) < randomBest);
    }

    [Fact]
    public void Suggest_MixedSpace_StaysInBoundsOnTheGridAndLearnsTheCategory()
    {
        var space = new SearchSpace
        {
            ["lr"] = Tune.LogUniform(1e-4, 1),
            ["width"] = Tune.QRandInt(8, 64, 8),
            ["layers"] = Tune.RandInt(1, 5),
            ["opt"] = Tune.Choice("adam", "sgd", "rms"),
        };
        double Objective(Config c) => Math.Pow(Math.Log10(c.Get<double>("lr")) + 2, 2) + (c.Get<string>("opt") == "sgd" ? 0 : 2)
            + Math.Abs(c.Get<long>("width") - 32) / 16.0;
        var searcher = Setup(space, new BohbSearch { RandomFraction = 0 }, seed: 9);
        var history = Run(searcher, Objective, 70);

        foreach (var (config, _) in history)
        {
            Assert.InRange(config.Get<double>("lr"), 1e-4, 1);
            Assert.InRange(config.Get<long>("width"), 8, 64);
            Assert.Equal(0, config.Get<long>("width") % 8);
            Assert.InRange(config.Get<long>("layers"), 1, 4);
            Assert.Contains(config.Get<string>("opt"), new[] { "adam", "sgd", "rms" });
        }
        Assert.True(searcher.ModelBasedSuggestions > 50);
        int sgd = history.Skip(40).Count(h => h.Config.Get<string>("opt") == "sgd");
        Assert.True(sgd > 20, $"only {sgd} of the last 30 suggestions chose the good category");
    }

    [Fact]
    public void Suggest_NestedSpaces_DrawOnlyTheChosenBranch()
    {
        var space = new SearchSpace
        {
            ["model"] = Tune.Choice(
                new SearchSpace { ["kind"] = "tree", ["depth"] = Tune.RandInt(1, 10) },
                new SearchSpace { ["kind"] = "linear", ["c"] = Tune.LogUniform(1e-3, 10) }),
        };
        double Objective(Config c) => c.Get<string>("model/kind") == "tree" ? Math.Abs(c.Get<long>("model/depth") - 6) : 3;
        var searcher = Setup(space, new BohbSearch { RandomFraction = 0 }, seed: 2);
        var history = Run(searcher, Objective, 40);

        Assert.True(searcher.ModelBasedSuggestions > 0);
        foreach (var (config, _) in history)
        {
            bool tree = config.Get<string>("model/kind") == "tree";
            Assert.Equal(tree, config.Contains("model/depth"));
            Assert.Equal(!tree, config.Contains("model/c"));
        }
        Assert.True(history.Skip(20).Count(h => h.Config.Get<string>("model/kind") == "tree") > 12);
    }

    [Fact]
    public void SaveRestore_RoundTrip_MakesTheSameNextSuggestions()
    {
        var original = Setup(TwoD, new BohbSearch { RandomFraction = 0.3 }, seed: 4);
        Run(original, Bowl, 12);
        Next(original, "live"); // a running trial whose budgets are still to come
        Observe(original, "live", 3, 0.5);
        var state = RoundTrip(original.SaveState());

        var restored = Setup(TwoD, new BohbSearch { RandomFraction = 0.3 }, seed: 99);
        restored.RestoreState(state);

        Assert.Equal(original.ModelBasedSuggestions, restored.ModelBasedSuggestions);
        Assert.Equal(original.SaveState().ToJsonString(), restored.SaveState().ToJsonString());
        for (int i = 0; i < 6; i++)
            Assert.Equal(Next(original, $"n{i}").ToString(), Next(restored, $"n{i}").ToString());
        Assert.Equal(original.ModelBasedSuggestions, restored.ModelBasedSuggestions);
        Assert.True(original.ModelBasedSuggestions > 0);
        // The restored searcher still knows the live trial's config and records its later budget.
        Observe(restored, "live", 9, 0.1);
        Assert.Equal(1, restored.ObservationsByBudget[9].Count);
    }

    [Fact]
    public void RestoreState_OtherSpace_NamesBothParameterLists()
    {
        var state = Setup(TwoD).SaveState();
        var other = Setup(new SearchSpace { ["z"] = Tune.Uniform(0, 1) });

        var error = Assert.Throws<TuneException>(() => other.RestoreState(state));
        Assert.Contains("[x, y]", error.Message);
        Assert.Contains("[z]", error.Message);
    }

    [Fact]
    public void PointsToEvaluate_RunFirst_AndEvaluatedRewardsWarmStartTheModel()
    {
        var points = new List<IReadOnlyDictionary<string, object?>>
        {
            new Dictionary<string, object?> { ["x"] = 1.0, ["y"] = -2.0 },
            new Dictionary<string, object?> { ["x"] = 0.0 },
        };
        var searcher = Setup(TwoD, new BohbSearch { PointsToEvaluate = points });
        Config first = Next(searcher, "a");
        Assert.Equal((1.0, -2.0), (first.Get<double>("x"), first.Get<double>("y")));
        Config second = Next(searcher, "b");
        Assert.Equal(0.0, second.Get<double>("x"));
        Assert.InRange(second.Get<double>("y"), -5, 5); // left out, so sampled

        var warm = Enumerable.Range(0, 5).Select(i => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["x"] = i - 2.0, ["y"] = -2.0 }).ToList();
        var warmed = Setup(TwoD, new BohbSearch { PointsToEvaluate = warm, EvaluatedRewards = [4, 1, 0, 1, 4], RandomFraction = 0 });
        // Unpaired, the rewards count at an unbounded budget; with HyperBandForBohb at its MaxT.
        Assert.Equal(double.PositiveInfinity, warmed.ModelBudget);
        Next(warmed, "c");
        Assert.Equal(1, warmed.ModelBasedSuggestions);
    }

    public static TheoryData<BohbSearch, string> BadOptions => new()
    {
        { new BohbSearch { TopNPercent = 0 }, "BohbSearch.TopNPercent is 0" },
        { new BohbSearch { TopNPercent = 100 }, "BohbSearch.TopNPercent is 100" },
        { new BohbSearch { NumSamples = 0 }, "BohbSearch.NumSamples is 0" },
        { new BohbSearch { RandomFraction = 1.5 }, "BohbSearch.RandomFraction is 1.5" },
        { new BohbSearch { BandwidthFactor = 0 }, "BohbSearch.BandwidthFactor is 0" },
        { new BohbSearch { MinBandwidth = double.NaN }, "BohbSearch.MinBandwidth is NaN" },
        { new BohbSearch { MinPointsInModel = 2 }, "BohbSearch.MinPointsInModel is 2" },
        { new BohbSearch { PointsToEvaluate = [new Dictionary<string, object?> { ["x"] = 1.0 }], EvaluatedRewards = [1, 2] }, "BohbSearch.EvaluatedRewards is a list of 2" },
        { new BohbSearch { PointsToEvaluate = [new Dictionary<string, object?> { ["x"] = 9.0 }] }, "PointsToEvaluate[0]['x'] is 9" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Setup_BadOption_NamesTheOptionAndValue(BohbSearch searcher, string expected)
    {
        var error = Assert.Throws<TuneException>(() => Setup(TwoD, searcher));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Setup_UnboundedOrMissingMetric_Throws()
    {
        var randn = Assert.Throws<TuneException>(() => Setup(new SearchSpace { ["z"] = Tune.Randn(0, 1) }));
        Assert.Contains("'z'", randn.Message);
        Assert.Contains("unbounded", randn.Message);

        var noMetric = Assert.Throws<TuneException>(() => new BohbSearch().Setup(new SearcherSetup(TwoD, null, null, -1, 1)));
        Assert.Contains("BohbSearch needs a metric", noMetric.Message);
    }

    [Fact]
    public void Suggest_BeforeSetup_Throws() =>
        Assert.Throws<InvalidOperationException>(() => new BohbSearch().Suggest("t"));
}
