using System.Text.Json.Nodes;
using TuneSharp.Search;
using static TuneSharp.Tests.Search.CmaEs.CmaEsTestKit;

namespace TuneSharp.Tests.Search.CmaEs;

public class CmaEsBehaviourTests
{
    private static double Sphere(Config c) => Point(c, 3).Select((x, i) => Math.Pow(x - i, 2)).Sum();

    private static SearchSpace Grid() => new()
    {
        ["u"] = Tune.Uniform(-1, 1),
        ["lu"] = Tune.LogUniform(1e-4, 1),
        ["qu"] = Tune.QUniform(0, 1, 0.1),
        ["qlu"] = Tune.QLogUniform(0.5, 8, 0.5),
        ["ri"] = Tune.RandInt(0, 5),
        ["qri"] = Tune.QRandInt(0, 20, 5),
        ["lri"] = Tune.LogRandInt(1, 1000),
        ["qlri"] = Tune.QLogRandInt(10, 1000, 10),
        ["nested"] = new SearchSpace { ["k"] = Tune.Uniform(5, 6), ["const"] = "fixed" },
        ["f"] = Tune.SampleFrom(c => c.Get<double>("u") * 2),
    };

    private static bool IsMultiple(double value, double q) => Math.Abs(value / q - Math.Round(value / q)) < 1e-9;

    [Fact]
    public void Suggest_ObjectivePushingToTheBounds_StaysInsideEveryDomainAndOnItsGrid()
    {
        // Minimised at the upper bound of u and the lower bounds of the rest, so many candidates fall outside and are repaired.
        static double Objective(Config c) => -c.Get<double>("u") + c.Get<double>("lu") + c.Get<double>("qu") + c.Get<double>("qlu")
            + c.Get<long>("ri") + c.Get<long>("qri") + c.Get<long>("lri") + c.Get<long>("qlri") + c.Get<double>("nested/k");
        var history = Run(Setup(Grid(), seed: 7), Objective, 300);

        Assert.All(history, h =>
        {
            Config c = h.Config;
            Assert.InRange(c.Get<double>("u"), -1, 1);
            Assert.True(c.Get<double>("u") < 1);
            Assert.InRange(c.Get<double>("lu"), 1e-4, 1);
            Assert.InRange(c.Get<double>("qu"), 0, 1);
            Assert.True(IsMultiple(c.Get<double>("qu"), 0.1));
            Assert.InRange(c.Get<double>("qlu"), 0.5, 8);
            Assert.True(IsMultiple(c.Get<double>("qlu"), 0.5));
            Assert.InRange(c.Get<long>("ri"), 0, 4);
            Assert.InRange(c.Get<long>("qri"), 0, 20);
            Assert.Equal(0, c.Get<long>("qri") % 5);
            Assert.InRange(c.Get<long>("lri"), 1, 999);
            Assert.InRange(c.Get<long>("qlri"), 10, 1000);
            Assert.Equal(0, c.Get<long>("qlri") % 10);
            Assert.InRange(c.Get<double>("nested/k"), 5, 6);
            Assert.Equal("fixed", c.Get<string>("nested/const"));
            Assert.Equal(2 * c.Get<double>("u"), c.Get<double>("f"));
        });
        Config best = history.MinBy(h => h.Loss).Config;
        Assert.Equal((0L, 0L, 1L, 10L), (best.Get<long>("ri"), best.Get<long>("qri"), best.Get<long>("lri"), best.Get<long>("qlri")));
    }

    [Fact]
    public void SaveRestore_MidGenerationWithRunningTrials_NextSuggestionsAreIdentical()
    {
        var original = Setup(Grid(), seed: 5);
        Run(original, c => c.Get<double>("u") * c.Get<double>("u") + c.Get<long>("ri"), 33);
        Next(original, "running1");
        Next(original, "running2");

        var restored = Setup(Grid(), seed: 99);
        restored.RestoreState(RoundTrip(original.SaveState()));

        Assert.Equal(Next(original, "a").ToString(), Next(restored, "a").ToString());
        foreach (ISearcher searcher in new ISearcher[] { original, restored })
            searcher.OnTrialComplete("running1", Loss(0.5), error: false);
        Assert.Equal(Next(original, "b").ToString(), Next(restored, "b").ToString());
        Assert.Equal(original.SaveState().ToJsonString(), restored.SaveState().ToJsonString());
        // Both go on identically through later generation updates.
        var left = Run(original, c => Math.Abs(c.Get<double>("u") - 0.2), 30, "n");
        var right = Run(restored, c => Math.Abs(c.Get<double>("u") - 0.2), 30, "n");
        Assert.Equal(left.Select(h => h.Config.ToString()), right.Select(h => h.Config.ToString()));
    }

    [Fact]
    public void RestoreState_OtherSearchSpace_FailsNamingBoth()
    {
        var original = Setup(Cube(2));
        var other = Setup(new SearchSpace { ["z"] = Tune.Uniform(0, 1) });

        var error = Assert.Throws<TuneException>(() => other.RestoreState(RoundTrip(original.SaveState())));

        Assert.Contains("[x0, x1]", error.Message);
        Assert.Contains("[z]", error.Message);
    }

    [Fact]
    public void OnTrialComplete_OutOfOrderInBatchesOfEight_StillConverges()
    {
        var searcher = Setup(Cube(3), seed: 2);
        var random = new Random(4);
        var losses = new List<double>();
        for (int batch = 0; batch < 40; batch++)
        {
            var ids = Enumerable.Range(0, 8).Select(i => $"b{batch}-{i}").ToList();
            var configs = ids.ToDictionary(id => id, id => Next(searcher, id));
            foreach (string id in ids.OrderBy(_ => random.Next()))
            {
                double loss = Sphere(configs[id]);
                losses.Add(loss);
                searcher.OnTrialComplete(id, Loss(loss), error: false);
            }
        }

        Assert.True(losses.Min() < 1e-3, $"best {losses.Min()}");
        Assert.True(searcher.SaveState()["generation_id"]!.GetValue<int>() > 20);
    }

    [Fact]
    public void OnTrialComplete_CandidatesOfAnOlderGeneration_AreDropped()
    {
        var searcher = Setup(Cube(3), seed: 2);
        int lambda = 4 + (int)Math.Floor(3 * Math.Log(3));
        for (int i = 0; i < lambda + 3; i++)
            Next(searcher, $"t{i}");
        for (int i = 0; i < lambda; i++)
            searcher.OnTrialComplete($"t{i}", Loss(i), error: false);
        Assert.Equal(1, searcher.SaveState()["generation_id"]!.GetValue<int>());

        for (int i = lambda; i < lambda + 3; i++)
            searcher.OnTrialComplete($"t{i}", Loss(i), error: false);

        JsonObject state = searcher.SaveState();
        Assert.Empty(state["told"]!.AsArray());
        Assert.Empty(state["running"]!.AsArray());
    }

    [Fact]
    public void OnTrialComplete_ErroredAndMetriclessTrials_AreReplacedAndTheSearchConverges()
    {
        var searcher = Setup(Cube(3), seed: 3);
        var losses = new List<double>();
        for (int i = 0; i < 450; i++)
        {
            Config config = Next(searcher, $"t{i}");
            double loss = Sphere(config);
            if (i % 3 == 0)
                searcher.OnTrialComplete($"t{i}", null, error: true);
            else if (i % 7 == 0)
                searcher.OnTrialComplete($"t{i}", new Dictionary<string, object?> { ["other"] = 1.0 }, error: false);
            else
            {
                searcher.OnTrialComplete($"t{i}", Loss(loss), error: false);
                losses.Add(loss);
            }
        }
        searcher.OnTrialComplete("never-suggested", Loss(-1e9), error: false);

        Assert.True(losses.Min() < 1e-4, $"best {losses.Min()}");
    }

    [Fact]
    public void Suggest_NeverWaits_HandsOutExtraCandidatesWhileAGenerationIsOpen()
    {
        var searcher = Setup(Cube(2), seed: 1);

        var configs = Enumerable.Range(0, 40).Select(i => Next(searcher, $"t{i}").ToString()).ToList();

        Assert.Equal(40, configs.Distinct().Count());
    }

    [Fact]
    public void EvaluatedRewards_StartTheSearchAtTheBestPoint()
    {
        var points = new List<IReadOnlyDictionary<string, object?>>();
        var rewards = new List<double>();
        var random = new Random(0);
        for (int i = 0; i < 50; i++)
        {
            var point = new Dictionary<string, object?> { ["x0"] = random.NextDouble() * 10 - 5, ["x1"] = random.NextDouble() * 10 - 5 };
            points.Add(point);
            rewards.Add(-(Math.Pow((double)point["x0"]! - 4, 2) + Math.Pow((double)point["x1"]! + 4, 2))); // a reward: higher is better
        }
        var bestPoint = points[rewards.IndexOf(rewards.Max())];
        var searcher = Setup(Cube(2), new CmaEsSearch { PointsToEvaluate = points, EvaluatedRewards = rewards, Mode = Mode.Max }, mode: Mode.Max);

        Config first = Next(searcher, "t0");

        double[] mean = searcher.SaveState()["distribution"]!["mean"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal(((double)bestPoint["x0"]! + 5) / 10, mean[0], 12);
        Assert.Equal(((double)bestPoint["x1"]! + 5) / 10, mean[1], 12);
        Assert.InRange(first.Get<double>("x0"), -5, 5);
    }

    [Fact]
    public void PointsToEvaluate_ComeFirstThenTheSearchWaitsForThemAndStartsAtTheBest()
    {
        var searcher = Setup(Cube(2), new CmaEsSearch
        {
            PointsToEvaluate = [new Dictionary<string, object?> { ["x0"] = 3.0, ["x1"] = -1.0 }, new Dictionary<string, object?> { ["x0"] = -2.0 }],
        });

        Config first = Next(searcher, "p0"), second = Next(searcher, "p1");
        Assert.Equal((3.0, -1.0), (first.Get<double>("x0"), first.Get<double>("x1")));
        Assert.Equal(-2.0, second.Get<double>("x0"));
        Assert.InRange(second.Get<double>("x1"), -5, 5);

        searcher.OnTrialComplete("p0", Loss(1.0), error: false);
        Assert.Equal(SuggestionKind.NotReady, searcher.Suggest("t0").Kind);
        searcher.OnTrialComplete("p1", Loss(7.0), error: false);
        Next(searcher, "t0");

        double[] mean = searcher.SaveState()["distribution"]!["mean"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal([0.8, 0.4], mean.Select(m => Math.Round(m, 12)));
    }

    [Fact]
    public void X0_IsTheInitialMeanAndMissingParametersStartInTheMiddle()
    {
        var searcher = Setup(Cube(2), new CmaEsSearch { X0 = new Dictionary<string, object?> { ["x1"] = 2.5 } });

        Next(searcher, "t0");

        double[] mean = searcher.SaveState()["distribution"]!["mean"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal([0.5, 0.75], mean.Select(m => Math.Round(m, 12)));
    }
}
