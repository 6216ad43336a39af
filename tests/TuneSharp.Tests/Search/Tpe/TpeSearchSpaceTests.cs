using TuneSharp.Search;
using static TuneSharp.Tests.Search.Tpe.TpeTestKit;

namespace TuneSharp.Tests.Search.Tpe;

public class TpeSearchSpaceTests
{
    private static SearchSpace EveryPrimitive() => new()
    {
        ["u"] = Tune.Uniform(-1, 1),
        ["lu"] = Tune.LogUniform(1e-4, 1),
        ["qu"] = Tune.QUniform(0, 1, 0.1),
        ["qlu"] = Tune.QLogUniform(0.5, 8, 0.5),
        ["rn"] = Tune.Randn(3, 2),
        ["qrn"] = Tune.QRandn(0, 1, 0.25),
        ["ri"] = Tune.RandInt(0, 5),
        ["qri"] = Tune.QRandInt(0, 20, 5),
        ["lri"] = Tune.LogRandInt(1, 1000),
        ["qlri"] = Tune.QLogRandInt(1, 1000, 10),
        ["c"] = Tune.Choice("a", "b", "c"),
        ["nested"] = new SearchSpace { ["k"] = Tune.Choice(1, 2), ["const"] = "fixed" },
        ["list"] = new List<object?> { Tune.Uniform(5, 6), 7 },
        ["const"] = 3,
        ["f"] = Tune.SampleFrom(c => c.Get<double>("u") * 2),
    };

    private static double Objective(Config c) =>
        Math.Pow(c.Get<double>("u") - 0.3, 2) + Math.Abs(Math.Log10(c.Get<double>("lu")) + 2) + c.Get<long>("ri") + c.Get<long>("lri") / 1000.0
        + (c.Get<string>("c") == "b" ? 0 : 1) + Math.Abs(c.Get<double>("rn") - 3) + c.Get<double>("qu");

    private static bool IsMultiple(double value, double q) => Math.Abs(value / q - Math.Round(value / q)) < 1e-9;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Suggest_EveryPrimitive_StaysInsideItsDomain(bool multivariate)
    {
        var searcher = Setup(EveryPrimitive(), new TpeSearch { Multivariate = multivariate, NStartupTrials = 5 });

        var history = Run(searcher, Objective, 60);

        foreach (var (c, _) in history)
        {
            Assert.InRange(c.Get<double>("u"), -1, 0.9999999999);
            Assert.InRange(c.Get<double>("lu"), 1e-4, 0.9999999999);
            double qu = c.Get<double>("qu");
            Assert.True(qu is >= 0 and <= 1 && IsMultiple(qu, 0.1), $"qu = {qu}");
            Assert.Equal(Math.Round(qu, 1), qu); // no binary noise such as 0.30000000000000004
            double qlu = c.Get<double>("qlu");
            Assert.True(qlu is >= 0.5 and <= 8 && IsMultiple(qlu, 0.5), $"qlu = {qlu}");
            Assert.IsType<double>(c["rn"]);
            Assert.True(IsMultiple(c.Get<double>("qrn"), 0.25));
            Assert.InRange(Assert.IsType<long>(c["ri"]), 0, 4);
            long qri = Assert.IsType<long>(c["qri"]);
            Assert.True(qri is >= 0 and <= 20 && qri % 5 == 0, $"qri = {qri}");
            Assert.InRange(Assert.IsType<long>(c["lri"]), 1, 999);
            long qlri = Assert.IsType<long>(c["qlri"]);
            Assert.True(qlri is >= 10 and <= 1000 && qlri % 10 == 0, $"qlri = {qlri}");
            Assert.Contains(c.Get<string>("c"), new[] { "a", "b", "c" });
            Assert.Contains(c.Get<int>("nested/k"), new[] { 1, 2 });
            Assert.Equal("fixed", c.Get<string>("nested/const"));
            Assert.InRange(c.Get<double>("list/0"), 5, 6);
            Assert.Equal(7, c.Get<int>("list/1"));
            Assert.Equal(3, c.Get<int>("const"));
            Assert.Equal(c.Get<double>("u") * 2, c.Get<double>("f"));
        }
        // The model takes over after the start-up trials and improves on them.
        double startup = Median(history.Take(5).Select(h => h.Loss)), late = Median(history.Skip(40).Select(h => h.Loss));
        Assert.True(late < startup, $"median loss {late} in the last 20 trials, {startup} in the random start-up");
    }

    [Fact]
    public void Suggest_SampledPaths_AreTheSearchedTopLevelPrimitives()
    {
        var searcher = Setup(EveryPrimitive());

        Suggestion suggestion = searcher.Suggest("t0");

        Assert.Equal(["u", "lu", "qu", "qlu", "rn", "qrn", "ri", "qri", "lri", "qlri", "c", "nested/k", "list/0"], suggestion.SampledPaths);
    }

    [Fact]
    public void Suggest_NestedSpacesInsideChoice_ResolvesTheChosenBranchOnly()
    {
        var space = new SearchSpace
        {
            ["model"] = Tune.Choice(
                new SearchSpace { ["type"] = "cnn", ["width"] = Tune.RandInt(8, 64) },
                new SearchSpace { ["type"] = "mlp", ["layers"] = Tune.RandInt(1, 5), ["scale"] = Tune.SampleFrom(c => c.Get<long>("model/layers") * 10) }),
            ["lr"] = Tune.LogUniform(1e-3, 1),
        };
        var searcher = Setup(space, new TpeSearch { NStartupTrials = 8 });

        var history = Run(searcher, c => c.Get<string>("model/type") == "mlp" ? Math.Abs(c.Get<long>("model/layers") - 3) : 5, 50);

        foreach (var (c, _) in history)
        {
            if (c.Get<string>("model/type") == "cnn")
            {
                Assert.InRange(c.Get<long>("model/width"), 8, 63);
                Assert.False(c.Contains("model/layers"));
            }
            else
            {
                Assert.InRange(c.Get<long>("model/layers"), 1, 4);
                Assert.Equal(c.Get<long>("model/layers") * 10, c.Get<long>("model/scale"));
                Assert.False(c.Contains("model/width"));
            }
        }
        // The branch's own parameter is modelled only from the trials that chose the branch, and converges.
        Assert.True(history.Skip(30).Count(h => h.Loss == 0) >= 8, string.Join(", ", history.Skip(30).Select(h => h.Loss)));
    }

    [Fact]
    public void Setup_GridSearchNestedInAChoice_FailsNamingTheParameter()
    {
        // Two categories: Tune.Choice(oneSearchSpace) would bind to Choice<T>(IEnumerable<T>) and list its entries.
        var space = new SearchSpace { ["opt"] = Tune.Choice("sgd", new SearchSpace { ["momentum"] = Tune.GridSearch(0.9, 0.99) }) };

        var error = Assert.Throws<TuneException>(() => Setup(space));

        Assert.Contains("'opt/momentum'", error.Message);
        Assert.Contains("Tune.Choice", error.Message);
    }

    [Fact]
    public void Setup_NoMetric_FailsBeforeAnyTrial()
    {
        var error = Assert.Throws<TuneException>(() =>
            new TpeSearch().Setup(new SearcherSetup(new SearchSpace { ["x"] = Tune.Uniform(0, 1) }, null, null, 10, 1)));

        Assert.Contains("metric", error.Message);
    }

    [Theory]
    [InlineData("NEiCandidates")]
    [InlineData("Gamma")]
    [InlineData("PriorWeight")]
    [InlineData("MaxBelow")]
    public void Setup_InvalidOption_NamesTheOptionAndValue(string option)
    {
        TpeSearch searcher = option switch
        {
            "NEiCandidates" => new TpeSearch { NEiCandidates = 0 },
            "Gamma" => new TpeSearch { Gamma = 1.5 },
            "PriorWeight" => new TpeSearch { PriorWeight = -1 },
            _ => new TpeSearch { MaxBelow = 0 },
        };

        var error = Assert.Throws<TuneException>(() => Setup(new SearchSpace { ["x"] = Tune.Uniform(0, 1) }, searcher));

        Assert.StartsWith($"TpeSearch.{option} is ", error.Message);
    }

    [Fact]
    public void Setup_PointOutsideItsDomain_FailsNamingThePoint()
    {
        var searcher = new TpeSearch { PointsToEvaluate = [new Dictionary<string, object?> { ["x"] = 2.0 }] };

        var error = Assert.Throws<TuneException>(() => Setup(new SearchSpace { ["x"] = Tune.Uniform(0, 1) }, searcher));

        Assert.Contains("PointsToEvaluate[0]['x'] is 2", error.Message);
    }
}
