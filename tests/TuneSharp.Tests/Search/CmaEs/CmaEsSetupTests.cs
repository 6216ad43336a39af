using TuneSharp.Search;
using static TuneSharp.Tests.Search.CmaEs.CmaEsTestKit;

namespace TuneSharp.Tests.Search.CmaEs;

public class CmaEsSetupTests
{
    [Fact]
    public void Setup_Choice_FailsNamingTheParameterAndTheAlternatives()
    {
        var space = new SearchSpace { ["x"] = Tune.Uniform(0, 1), ["optimizer"] = Tune.Choice("adam", "sgd") };

        var error = Assert.Throws<TuneException>(() => Setup(space));

        Assert.Contains("'optimizer'", error.Message);
        Assert.Contains("TpeSearch", error.Message);
        Assert.Contains("BayesOptSearch", error.Message);
    }

    [Fact]
    public void Setup_NestedSpacesInsideChoice_FailsNamingTheChoice()
    {
        var space = new SearchSpace
        {
            ["model"] = Tune.Choice(new SearchSpace { ["lr"] = Tune.LogUniform(1e-4, 1) }, new SearchSpace { ["depth"] = Tune.RandInt(1, 8) }),
        };

        var error = Assert.Throws<TuneException>(() => Setup(space));

        Assert.Contains("'model'", error.Message);
        Assert.Contains("categorical", error.Message);
    }

    [Fact]
    public void Setup_Randn_FailsNamingTheParameterAndSuggestingBounds()
    {
        var space = new SearchSpace { ["noise"] = Tune.Randn(0, 1) };

        var error = Assert.Throws<TuneException>(() => Setup(space));

        Assert.Contains("'noise'", error.Message);
        Assert.Contains("Tune.Uniform", error.Message);
    }

    [Fact]
    public void Setup_GridSearch_FailsNamingTheParameterAndTheSearcher()
    {
        var space = new SearchSpace { ["lr"] = Tune.GridSearch(0.1, 0.01) };

        var error = Assert.Throws<TuneException>(() => Setup(space));

        Assert.Contains("'lr' is a GridSearch, which CmaEsSearch cannot model", error.Message);
    }

    [Fact]
    public void Setup_OnlyConstants_FailsSayingThereIsNothingToSearch()
    {
        var space = new SearchSpace { ["a"] = 1, ["f"] = Tune.SampleFrom(_ => 2) };

        var error = Assert.Throws<TuneException>(() => Setup(space));

        Assert.Contains("no parameter to search", error.Message);
    }

    [Fact]
    public void Setup_NoMetric_FailsBeforeAnyTrial()
    {
        var error = Assert.Throws<TuneException>(() => new CmaEsSearch().Setup(new SearcherSetup(Cube(1), null, null, 10, 1)));

        Assert.Contains("metric", error.Message);
    }

    [Theory]
    [InlineData("Sigma0", 0.0)]
    [InlineData("Sigma0", -0.1)]
    [InlineData("Sigma0", 2.0)]
    [InlineData("PopulationSize", 1.0)]
    public void Setup_InvalidOption_NamesTheOptionAndValue(string option, double value)
    {
        CmaEsSearch searcher = option == "Sigma0" ? new CmaEsSearch { Sigma0 = value } : new CmaEsSearch { PopulationSize = (int)value };

        var error = Assert.Throws<TuneException>(() => Setup(Cube(2), searcher));

        Assert.StartsWith($"CmaEsSearch.{option} is {value}", error.Message);
    }

    [Fact]
    public void Setup_EvaluatedRewardsForAnIncompletePoint_FailsNamingTheMissingParameter()
    {
        var searcher = new CmaEsSearch { PointsToEvaluate = [new Dictionary<string, object?> { ["x0"] = 1.0 }], EvaluatedRewards = [3.0] };

        var error = Assert.Throws<TuneException>(() => Setup(Cube(2), searcher));

        Assert.Contains("no value for 'x1'", error.Message);
    }

    [Fact]
    public void Setup_X0OutsideItsDomain_FailsNamingIt()
    {
        var searcher = new CmaEsSearch { X0 = new Dictionary<string, object?> { ["x0"] = 9.0 } };

        var error = Assert.Throws<TuneException>(() => Setup(Cube(2), searcher));

        Assert.Contains("CmaEsSearch.X0['x0'] is 9", error.Message);
    }
}
