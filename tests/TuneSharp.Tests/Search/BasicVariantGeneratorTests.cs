using System.Text.Json.Nodes;
using TuneSharp.Search;

namespace TuneSharp.Tests.Search;

public class BasicVariantGeneratorTests
{
    private static BasicVariantGenerator Setup(SearchSpace space, int numSamples, int seed = 1,
        IReadOnlyList<IReadOnlyDictionary<string, object?>>? points = null, int maxConcurrent = 0)
    {
        var generator = new BasicVariantGenerator { PointsToEvaluate = points ?? [], MaxConcurrent = maxConcurrent };
        generator.Setup(new SearcherSetup(space, null, null, numSamples, seed));
        return generator;
    }

    private static List<Config> Drain(BasicVariantGenerator generator, int limit = 1000)
    {
        var configs = new List<Config>();
        for (int i = 0; i < limit; i++)
        {
            Suggestion suggestion = generator.Suggest($"t{i}");
            if (suggestion.Kind == SuggestionKind.Finished)
                return configs;
            Assert.Equal(SuggestionKind.Config, suggestion.Kind);
            configs.Add(suggestion.Config!);
        }
        throw new Xunit.Sdk.XunitException($"The generator did not finish within {limit} suggestions.");
    }

    [Fact]
    public void Suggest_TwoGridsTimesFourSamples_Creates24TrialsInRayOrder()
    {
        // Declared "b" before "a": Ray sorts grid variables by path, so "a" varies fastest.
        var space = new SearchSpace { ["b"] = Tune.GridSearch("x", "y"), ["a"] = Tune.GridSearch(1, 2, 3), ["r"] = Tune.Uniform(0, 1) };
        var generator = Setup(space, numSamples: 4);
        Assert.Equal(24, generator.TotalVariants);

        var configs = Drain(generator);

        Assert.Equal(24, configs.Count);
        var order = configs.Select(c => $"{c["a"]}{c["b"]}").ToList();
        string[] oneSample = ["1x", "2x", "3x", "1y", "2y", "3y"];
        Assert.Equal(Enumerable.Repeat(oneSample, 4).SelectMany(s => s), order);
        // Random parameters are drawn afresh for every variant.
        Assert.Equal(24, configs.Select(c => c.Get<double>("r")).Distinct().Count());
    }

    [Fact]
    public void Suggest_NestedGrid_SortsByPathSegments()
    {
        var space = new SearchSpace { ["z"] = Tune.GridSearch(1, 2), ["m"] = new SearchSpace { ["k"] = Tune.GridSearch(10, 20) } };
        var order = Drain(Setup(space, 1)).Select(c => $"{c.Get<int>("m/k")}-{c["z"]}").ToList();
        Assert.Equal(["10-1", "20-1", "10-2", "20-2"], order);
    }

    [Fact]
    public void Suggest_NoGrid_CreatesNumSamplesTrials()
    {
        var generator = Setup(new SearchSpace { ["x"] = Tune.Uniform(0, 1) }, numSamples: 7);
        Assert.Equal(7, generator.TotalVariants);
        Assert.Equal(7, Drain(generator).Count);
    }

    [Fact]
    public void Suggest_PointsToEvaluate_ComeFirstEachUsingOneSampleWithGridsExpanded()
    {
        var space = new SearchSpace { ["a"] = Tune.GridSearch(1, 2), ["b"] = Tune.Uniform(0, 1) };
        var points = new IReadOnlyDictionary<string, object?>[]
        {
            new Dictionary<string, object?> { ["b"] = 0.5 },
            new Dictionary<string, object?> { ["a"] = 7, ["b"] = 0.25 },
        };
        var generator = Setup(space, numSamples: 3, points: points);
        // Point 1 expands the unspecified grid (2), point 2 fixes it (1), the one remaining sample is a full grid (2).
        Assert.Equal(5, generator.TotalVariants);

        var configs = Drain(generator);

        Assert.Equal(5, configs.Count);
        Assert.Equal([(1, 0.5), (2, 0.5), (7, 0.25)], configs.Take(3).Select(c => (c.Get<int>("a"), c.Get<double>("b"))));
        Assert.Equal([1, 2], configs.Skip(3).Select(c => c.Get<int>("a")));
        Assert.All(configs.Skip(3), c => Assert.NotEqual(0.5, c.Get<double>("b")));
    }

    [Fact]
    public void Suggest_NestedPointToEvaluate_FixesOnlyTheGivenLeaf()
    {
        var space = new SearchSpace { ["opt"] = new SearchSpace { ["lr"] = Tune.Uniform(0, 1), ["momentum"] = Tune.Uniform(0.5, 0.9) } };
        var points = new IReadOnlyDictionary<string, object?>[]
        {
            new Dictionary<string, object?> { ["opt"] = new Dictionary<string, object?> { ["lr"] = 0.125 } },
        };
        var configs = Drain(Setup(space, numSamples: 2, points: points));
        Assert.Equal(2, configs.Count);
        Assert.Equal(0.125, configs[0].Get<double>("opt/lr"));
        Assert.InRange(configs[0].Get<double>("opt/momentum"), 0.5, 0.9);
        Assert.NotEqual(0.125, configs[1].Get<double>("opt/lr"));
    }

    [Fact]
    public void Suggest_MorePointsThanSamples_EvaluatesEveryPoint()
    {
        var points = Enumerable.Range(0, 3).Select(i => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["x"] = (double)i }).ToList();
        var configs = Drain(Setup(new SearchSpace { ["x"] = Tune.Uniform(0, 1) }, numSamples: 2, points: points));
        Assert.Equal([0.0, 1.0, 2.0], configs.Select(c => c.Get<double>("x")));
    }

    [Fact]
    public void Suggest_MaxConcurrentReached_IsNotReadyUntilATrialCompletes()
    {
        var generator = Setup(new SearchSpace { ["x"] = Tune.Uniform(0, 1) }, numSamples: 5, maxConcurrent: 2);
        Assert.Equal(SuggestionKind.Config, generator.Suggest("t0").Kind);
        Assert.Equal(SuggestionKind.Config, generator.Suggest("t1").Kind);
        Assert.Equal(SuggestionKind.NotReady, generator.Suggest("t2").Kind);

        generator.OnTrialComplete("t0", null, error: false);

        Assert.Equal(SuggestionKind.Config, generator.Suggest("t2").Kind);
        Assert.Equal(SuggestionKind.NotReady, generator.Suggest("t3").Kind);
    }

    [Fact]
    public void Setup_NegativeMaxConcurrent_ThrowsNamingTheValue()
    {
        var generator = new BasicVariantGenerator { MaxConcurrent = -1 };
        var error = Assert.Throws<TuneException>(() => generator.Setup(new SearcherSetup(new SearchSpace(), null, null, 1, 0)));
        Assert.Contains("MaxConcurrent is -1", error.Message);
    }

    [Fact]
    public void Suggest_UnboundedSamples_NeverFinishes()
    {
        var generator = Setup(new SearchSpace { ["a"] = Tune.GridSearch(1, 2) }, numSamples: -1);
        Assert.Null(generator.TotalVariants);
        for (int i = 0; i < 100; i++)
            Assert.Equal(SuggestionKind.Config, generator.Suggest($"t{i}").Kind);
    }

    [Fact]
    public void Suggest_SampledPaths_ListSearchedParametersButNotConstantsOrFunctions()
    {
        var space = new SearchSpace
        {
            ["a"] = Tune.GridSearch(1, 2), ["opt"] = new SearchSpace { ["lr"] = Tune.Uniform(0, 1) },
            ["c"] = 3, ["f"] = Tune.SampleFrom(c => 1),
        };
        Suggestion suggestion = Setup(space, 1).Suggest("t0");
        Assert.Equal(["a", "opt/lr"], suggestion.SampledPaths.Order());
    }

    [Fact]
    public void RestoreState_AfterSaveState_NextSuggestionIsIdentical()
    {
        var space = new SearchSpace { ["g"] = Tune.GridSearch(1, 2, 3), ["x"] = Tune.Uniform(0, 1), ["n"] = Tune.Randn() };
        var original = Setup(space, numSamples: 4, seed: 11, maxConcurrent: 20);
        for (int i = 0; i < 5; i++)
            original.Suggest($"t{i}");
        original.OnTrialComplete("t1", null, error: false);
        string saved = original.SaveState().ToJsonString();

        var restored = Setup(space, numSamples: 4, seed: 999, maxConcurrent: 20);
        restored.RestoreState(JsonNode.Parse(saved)!.AsObject());

        for (int i = 5; i < 12; i++)
            Assert.Equal(original.Suggest($"t{i}").Config!.ToString(), restored.Suggest($"t{i}").Config!.ToString());
        JsonObject a = original.SaveState(), b = restored.SaveState();
        Assert.Equal(a["generated"]!.GetValue<int>(), b["generated"]!.GetValue<int>());
        Assert.Equal(a["live"]!.AsArray().Select(n => n!.GetValue<string>()).Order(), b["live"]!.AsArray().Select(n => n!.GetValue<string>()).Order());
    }

    [Fact]
    public void RestoreState_LiveTrials_StillCountAgainstMaxConcurrent()
    {
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var original = Setup(space, numSamples: 10, maxConcurrent: 2);
        original.Suggest("t0");
        original.Suggest("t1");

        var restored = Setup(space, numSamples: 10, maxConcurrent: 2);
        restored.RestoreState(JsonNode.Parse(original.SaveState().ToJsonString())!.AsObject());

        Assert.Equal(SuggestionKind.NotReady, restored.Suggest("t2").Kind);
        restored.OnTrialComplete("t0", null, error: false);
        Assert.Equal(SuggestionKind.Config, restored.Suggest("t2").Kind);
    }

    [Fact]
    public void RestoreState_UnknownVersion_ThrowsNamingTheVersion()
    {
        var generator = Setup(new SearchSpace(), 1);
        var state = generator.SaveState();
        state["version"] = 99;
        Assert.Contains("version 99", Assert.Throws<TuneException>(() => generator.RestoreState(state)).Message);
    }

    [Fact]
    public void Setup_AgainAfterARunWhoseTrialsNeverCompleted_SuggestsAgain()
    {
        // A cancelled run never completes its trials; a new run with the same generator must not wait for them.
        var generator = new BasicVariantGenerator { MaxConcurrent = 1 };
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        generator.Setup(new SearcherSetup(space, null, null, 2, 0));
        Assert.Equal(SuggestionKind.Config, generator.Suggest("a").Kind);
        Assert.Equal(SuggestionKind.NotReady, generator.Suggest("b").Kind);

        generator.Setup(new SearcherSetup(space, null, null, 2, 0));

        Assert.Equal(SuggestionKind.Config, generator.Suggest("c").Kind);
    }
}
