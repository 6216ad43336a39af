using System.Text.Json.Nodes;
using TuneSharp.Search;
using static TuneSharp.Tests.Search.Tpe.TpeTestKit;

namespace TuneSharp.Tests.Search.Tpe;

public class TpeSearchBehaviourTests
{
    private static SearchSpace Plane() => new()
    {
        ["x"] = Tune.Uniform(-5, 5),
        ["y"] = Tune.Uniform(-5, 5),
        ["n"] = Tune.RandInt(0, 10),
        ["c"] = Tune.Choice("a", "b"),
    };

    private static double Quadratic(Config c) =>
        Math.Pow(c.Get<double>("x") - 1, 2) + Math.Pow(c.Get<double>("y") + 2, 2) + Math.Abs(c.Get<long>("n") - 7) + (c.Get<string>("c") == "a" ? 1 : 0);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SaveRestore_WithRunningTrials_NextSuggestionsAreIdentical(bool multivariate)
    {
        var original = Setup(Plane(), new TpeSearch { Multivariate = multivariate }, seed: 5);
        Run(original, Quadratic, 30);
        Next(original, "running1");
        Next(original, "running2");

        var restored = Setup(Plane(), new TpeSearch { Multivariate = multivariate }, seed: 99);
        restored.RestoreState(RoundTrip(original.SaveState()));

        Assert.Equal(Next(original, "a").ToString(), Next(restored, "a").ToString());
        foreach (ISearcher searcher in new ISearcher[] { original, restored })
            searcher.OnTrialComplete("running1", new Dictionary<string, object?> { ["loss"] = 0.5 }, error: false);
        Assert.Equal(Next(original, "b").ToString(), Next(restored, "b").ToString());
        Assert.Equal(original.SaveState().ToJsonString(), restored.SaveState().ToJsonString());
    }

    [Fact]
    public void RestoreState_OtherSearchSpace_FailsNamingBoth()
    {
        var original = Setup(Plane());
        var other = Setup(new SearchSpace { ["z"] = Tune.Uniform(0, 1) });

        var error = Assert.Throws<TuneException>(() => other.RestoreState(RoundTrip(original.SaveState())));

        Assert.Contains("[x, y, n, c]", error.Message);
        Assert.Contains("[z]", error.Message);
    }

    [Fact]
    public void Suggest_EightConcurrentTrials_AllDiffer()
    {
        var searcher = Setup(Plane(), seed: 3);
        Run(searcher, Quadratic, 25);

        var concurrent = Enumerable.Range(0, 8).Select(i => Next(searcher, $"c{i}").ToString()).ToList();

        Assert.Equal(8, concurrent.Distinct().Count());
    }

    [Fact]
    public void Suggest_RunningTrial_IsAConstantLiarThatMovesTheNextSuggestion()
    {
        var searcher = Setup(Plane(), seed: 4);
        Run(searcher, Quadratic, 30);
        JsonObject before = RoundTrip(searcher.SaveState());
        var alone = Setup(Plane(), seed: 4);
        alone.RestoreState(before);
        Config first = Next(alone, "first");
        JsonNode running = RoundTrip(alone.SaveState())["running"]!.DeepClone();

        // Same random stream (same suggestion number), but the first suggestion is now running.
        var withLiar = Setup(Plane(), seed: 4);
        JsonObject state = RoundTrip(before);
        state["running"] = running;
        withLiar.RestoreState(state);
        Config second = Next(withLiar, "second");

        Assert.NotEqual(first.ToString(), second.ToString());
    }

    [Fact]
    public void OnTrialComplete_ErroredOrMetricless_IsIgnored()
    {
        var searcher = Setup(Plane());
        Next(searcher, "e");
        Next(searcher, "m");
        Next(searcher, "ok");

        searcher.OnTrialComplete("e", new Dictionary<string, object?> { ["loss"] = 1.0 }, error: true);
        searcher.OnTrialComplete("m", new Dictionary<string, object?> { ["other"] = 1.0 }, error: false);
        searcher.OnTrialComplete("ok", new Dictionary<string, object?> { ["loss"] = 2.0 }, error: false);

        JsonObject state = searcher.SaveState();
        Assert.Single(state["losses"]!.AsArray());
        Assert.Empty(state["running"]!.AsArray());
    }

    [Fact]
    public void PointsToEvaluate_ComeFirstAndMissingValuesAreSampled()
    {
        var searcher = Setup(Plane(), new TpeSearch
        {
            PointsToEvaluate = [new Dictionary<string, object?> { ["x"] = 1.0, ["y"] = -2.0, ["n"] = 7, ["c"] = "b" }, new Dictionary<string, object?> { ["x"] = 0.5 }],
        });

        Config first = Next(searcher, "p0"), second = Next(searcher, "p1");

        Assert.Equal((1.0, -2.0, 7L, "b"), (first.Get<double>("x"), first.Get<double>("y"), first.Get<long>("n"), first.Get<string>("c")));
        Assert.Equal(0.5, second.Get<double>("x"));
        Assert.InRange(second.Get<double>("y"), -5, 5);
    }

    [Fact]
    public void EvaluatedRewards_WarmStartTheModelWithoutRunningThePoints()
    {
        var points = new List<IReadOnlyDictionary<string, object?>>();
        var rewards = new List<double>();
        var random = new Random(0);
        for (int i = 0; i < 40; i++)
        {
            var point = new Dictionary<string, object?> { ["x"] = random.NextDouble() * 10 - 5, ["y"] = random.NextDouble() * 10 - 5, ["n"] = (long)random.Next(10), ["c"] = i % 2 == 0 ? "a" : "b" };
            points.Add(point);
            rewards.Add(Quadratic(new Config(point)));
        }
        var searcher = Setup(Plane(), new TpeSearch { PointsToEvaluate = points, EvaluatedRewards = rewards });

        // No random start-up: the 40 rewards already count, so the first suggestions come from the model.
        var history = Run(searcher, Quadratic, 10);

        Assert.Equal(40, searcher.SaveState()["losses"]!.AsArray().Count - 10);
        Assert.True(Median(history.Select(h => h.Loss)) < Median(rewards), $"{Median(history.Select(h => h.Loss))} vs {Median(rewards)}");
    }

    [Fact]
    public void EvaluatedRewards_IncompletePoint_FailsNamingTheMissingParameter()
    {
        var searcher = new TpeSearch { PointsToEvaluate = [new Dictionary<string, object?> { ["x"] = 1.0 }], EvaluatedRewards = [3.0] };

        var error = Assert.Throws<TuneException>(() => Setup(Plane(), searcher));

        Assert.Contains("no value for 'y'", error.Message);
    }

    [Fact]
    public void Suggest_QuadraticOverElevenSeeds_BeatsRandomSearch()
    {
        var space = new SearchSpace { ["x"] = Tune.Uniform(-5, 5), ["y"] = Tune.Uniform(-5, 5), ["z"] = Tune.Uniform(-5, 5) };
        static double Bowl(Config c) => Math.Pow(c.Get<double>("x") - 1, 2) + Math.Pow(c.Get<double>("y") + 2, 2) + Math.Pow(c.Get<double>("z"), 2);
        var tpe = new List<double>();
        var random = new List<double>();

        for (int seed = 0; seed < 11; seed++)
        {
            tpe.Add(Run(Setup(space, new TpeSearch(), seed), Bowl, 60).Min(h => h.Loss));
            // The same searcher that never leaves its random start-up is random search over the same priors.
            random.Add(Run(Setup(space, new TpeSearch { NStartupTrials = 1000 }, seed), Bowl, 60).Min(h => h.Loss));
        }

        Assert.True(Median(tpe) < 0.5 * Median(random), $"TPE median {Median(tpe)}, random median {Median(random)}");
    }

    [Fact]
    public void Suggest_MaximiseMode_ClimbsTheMetric()
    {
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var searcher = Setup(space, new TpeSearch(), seed: 2, mode: Mode.Max);

        var history = Run(searcher, c => c.Get<double>("x"), 60);

        Assert.True(history.Skip(40).Average(h => h.Loss) > 0.8);
    }
}
