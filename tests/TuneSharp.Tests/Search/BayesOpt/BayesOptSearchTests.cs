using TuneSharp.Search;
using TuneSharp.Tests.Search.Tpe;

namespace TuneSharp.Tests.Search.BayesOpt;

public class BayesOptSearchTests
{
    private static BayesOptSearch Setup(SearchSpace space, BayesOptSearch? searcher = null, int seed = 1, Mode mode = Mode.Min)
    {
        searcher ??= new BayesOptSearch();
        searcher.Setup(new SearcherSetup(space, "loss", mode, -1, seed));
        return searcher;
    }

    private static readonly SearchSpace Branin = new() { ["x1"] = Tune.Uniform(-5, 10), ["x2"] = Tune.Uniform(0, 15) };

    private static double BraninValue(Config c)
    {
        double x1 = c.Get<double>("x1"), x2 = c.Get<double>("x2");
        double b = 5.1 / (4 * Math.PI * Math.PI), cc = 5 / Math.PI, t = 1 / (8 * Math.PI);
        return Math.Pow(x2 - b * x1 * x1 + cc * x1 - 6, 2) + 10 * (1 - t) * Math.Cos(x1) + 10;
    }

    [Fact]
    public void Suggest_OnBranin_FindsTheOptimumWithinThirtyTrials()
    {
        // Random search needs thousands of trials to get within 0.01 of 0.397887; a GP needs a few dozen.
        var history = TpeTestKit.Run(Setup(Branin), BraninValue, 30);
        Assert.True(history.Min(h => h.Loss) < 0.397887 + 0.01, $"best {history.Min(h => h.Loss)}");
    }

    [Fact]
    public void Suggest_WithoutGradientRefinement_StillTakesTheBestScoredCandidate()
    {
        // LocalStarts = 0 skips the BFGS step only; the best of the scored candidates must still win (it once fell
        // back to a random draw, which made the searcher random search).
        var history = TpeTestKit.Run(Setup(Branin, new BayesOptSearch { LocalStarts = 0 }), BraninValue, 30);
        Assert.True(history.Min(h => h.Loss) < 0.397887 + 0.1, $"best {history.Min(h => h.Loss)}");
    }

    [Fact]
    public void Suggest_MaximiseMode_ClimbsInsteadOfDescending()
    {
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1) };
        var searcher = Setup(space, mode: Mode.Max);
        var history = TpeTestKit.Run(searcher, c => -Math.Pow(c.Get<double>("x") - 0.8, 2), 20);
        Assert.True(history.Skip(10).Max(h => h.Loss) > -1e-3);
    }

    [Fact]
    public void Suggest_EveryPrimitive_StaysInsideItsDomainAndOnItsGrid()
    {
        var space = new SearchSpace
        {
            ["lr"] = Tune.LogUniform(1e-5, 1e-1),
            ["q"] = Tune.QUniform(0, 1, 0.25),
            ["layers"] = Tune.RandInt(1, 5),
            ["width"] = Tune.QLogRandInt(16, 256, 16),
            ["noise"] = Tune.Randn(3, 0.5),
            ["act"] = Tune.Choice("relu", "tanh", "gelu"),
        };
        var history = TpeTestKit.Run(Setup(space), c =>
            Math.Abs(Math.Log10(c.Get<double>("lr")) + 3) + c.Get<double>("q") + c.Get<long>("layers") + (c.Get<string>("act") == "tanh" ? 0 : 1)
            + Math.Abs(c.Get<double>("noise") - 3), 25);
        foreach (var (config, _) in history)
        {
            Assert.InRange(config.Get<double>("lr"), 1e-5, 1e-1);
            Assert.Contains(config.Get<double>("q"), new[] { 0, 0.25, 0.5, 0.75, 1 });
            Assert.InRange(config.Get<long>("layers"), 1, 4); // RandInt's upper bound is exclusive, as Ray's
            Assert.Equal(0, config.Get<long>("width") % 16);
            Assert.InRange(config.Get<long>("width"), 16, 256);
            Assert.Contains(config.Get<string>("act"), new[] { "relu", "tanh", "gelu" });
            Assert.True(double.IsFinite(config.Get<double>("noise")));
        }
        // The model learns the categorical: after the random start, most suggestions take the best category.
        Assert.True(history.Skip(15).Count(h => h.Config.Get<string>("act") == "tanh") >= 6);
    }

    [Fact]
    public void Suggest_RunningTrials_GetDistinctSuggestions()
    {
        var searcher = Setup(Branin);
        TpeTestKit.Run(searcher, BraninValue, 12);
        var pending = Enumerable.Range(0, 4).Select(i => TpeTestKit.Next(searcher, $"p{i}")).ToList();
        var points = pending.Select(c => (c.Get<double>("x1"), c.Get<double>("x2"))).ToList();
        // Kriging believers shrink the variance around each running point, so the next one goes elsewhere.
        for (int i = 0; i < points.Count; i++)
            for (int j = 0; j < i; j++)
                Assert.True(Math.Abs(points[i].Item1 - points[j].Item1) + Math.Abs(points[i].Item2 - points[j].Item2) > 1e-3);
    }

    [Fact]
    public void Suggest_SmallDiscreteSpace_NeverRepeatsAConfigWhileUntriedOnesRemain()
    {
        var space = new SearchSpace { ["a"] = Tune.RandInt(0, 4), ["b"] = Tune.Choice("x", "y", "z") };
        var history = TpeTestKit.Run(Setup(space, new BayesOptSearch { RandomSearchSteps = 2 }), c => c.Get<long>("a"), 12);
        var seen = history.Select(h => (h.Config.Get<long>("a"), h.Config.Get<string>("b"))).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public void SaveState_RestoreIntoANewSearcher_GivesTheSameNextSuggestions()
    {
        var original = Setup(Branin);
        TpeTestKit.Run(original, BraninValue, 14);
        TpeTestKit.Next(original, "running");
        var restored = Setup(Branin, seed: 99);
        restored.RestoreState(TpeTestKit.RoundTrip(original.SaveState()));

        for (int i = 0; i < 3; i++)
        {
            Config a = TpeTestKit.Next(original, $"n{i}"), b = TpeTestKit.Next(restored, $"n{i}");
            Assert.Equal(a.Get<double>("x1"), b.Get<double>("x1"));
            Assert.Equal(a.Get<double>("x2"), b.Get<double>("x2"));
            original.OnTrialComplete($"n{i}", new Dictionary<string, object?> { ["loss"] = BraninValue(a) }, false);
            restored.OnTrialComplete($"n{i}", new Dictionary<string, object?> { ["loss"] = BraninValue(b) }, false);
        }
    }

    [Fact]
    public void RestoreState_DifferentSpace_SaysWhichParametersDiffer()
    {
        var original = Setup(Branin);
        var other = Setup(new SearchSpace { ["x1"] = Tune.Uniform(-5, 10) });
        var error = Assert.Throws<TuneException>(() => other.RestoreState(original.SaveState()));
        Assert.Contains("x2", error.Message);
    }

    [Fact]
    public void EvaluatedRewards_WarmStartTheModelWithoutRunningThePoints()
    {
        var points = Enumerable.Range(0, 12).Select(i => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["x1"] = -5 + 15 * ((i * 7) % 12) / 11.0, ["x2"] = 15 * i / 11.0,
        }).ToList();
        var rewards = points.Select(p => BraninValue(new Config(new Dictionary<string, object?>(p)))).ToList();
        var searcher = Setup(Branin, new BayesOptSearch { PointsToEvaluate = points, EvaluatedRewards = rewards });
        // Twelve known points are more than RandomSearchSteps: the very first suggestion comes from the GP.
        var history = TpeTestKit.Run(searcher, BraninValue, 15);
        Assert.DoesNotContain(history, h => points.Any(p => (double)p["x1"]! == h.Config.Get<double>("x1") && (double)p["x2"]! == h.Config.Get<double>("x2")));
        Assert.True(history.Min(h => h.Loss) < 0.5, $"best {history.Min(h => h.Loss)}");
    }

    [Fact]
    public void PointsToEvaluate_AreSuggestedFirst()
    {
        var searcher = Setup(Branin, new BayesOptSearch { PointsToEvaluate = [new Dictionary<string, object?> { ["x1"] = 1.5, ["x2"] = 2.5 }] });
        Config first = TpeTestKit.Next(searcher, "a");
        Assert.Equal(1.5, first.Get<double>("x1"));
        Assert.Equal(2.5, first.Get<double>("x2"));
    }

    [Theory]
    [InlineData("RandomSearchSteps")]
    [InlineData("Xi")]
    [InlineData("RandomCandidates")]
    [InlineData("MaxObservations")]
    public void Setup_BadOption_NamesItAndTheFix(string option)
    {
        var searcher = option switch
        {
            "RandomSearchSteps" => new BayesOptSearch { RandomSearchSteps = -1 },
            "Xi" => new BayesOptSearch { Xi = -0.5 },
            "RandomCandidates" => new BayesOptSearch { RandomCandidates = 0 },
            _ => new BayesOptSearch { MaxObservations = 1 },
        };
        var error = Assert.Throws<TuneException>(() => Setup(Branin, searcher));
        Assert.Contains($"BayesOptSearch.{option}", error.Message);
        Assert.Contains("use", error.Message);
    }

    [Fact]
    public void Setup_GridSearchInTheSpace_NamesTheParameterAndTheAlternative()
    {
        var error = Assert.Throws<TuneException>(() => Setup(new SearchSpace { ["x"] = Tune.GridSearch(1, 2, 3) }));
        Assert.Contains("'x'", error.Message);
        Assert.Contains("BayesOptSearch", error.Message);
        Assert.Contains("Tune.Choice", error.Message);
    }

    [Fact]
    public async Task FitAsync_ThroughTheTunerWithTwoConcurrentTrials_ConvergesOnBranin()
    {
        using var temp = new TempDirectory();
        var order = new InCreationOrder(); // the same run every time, whatever the machine's load
        var tuner = new Tuner(trial =>
            {
                order.WaitForTurn(trial);
                trial.Report(new Metrics { ["loss"] = BraninValue(trial.Config) });
            }, Branin,
            new TuneConfig { NumSamples = 40, Metric = "loss", Mode = Mode.Min, Seed = 3, MaxConcurrentTrials = 2, SearchAlg = new BayesOptSearch() },
            new RunConfig { StoragePath = temp.Path, Name = "gp", Verbose = 0, Callbacks = [order] });

        var grid = await tuner.FitAsync();

        Assert.Equal(40, grid.Count);
        Assert.Equal(0, grid.NumErrors);
        Assert.True(grid.GetBestResult().GetMetric("loss") < 0.45, $"best {grid.GetBestResult().GetMetric("loss")}");
    }
}
