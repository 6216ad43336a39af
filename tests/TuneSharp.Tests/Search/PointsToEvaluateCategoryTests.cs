using TuneSharp.Search;

namespace TuneSharp.Tests.Search;

/// <summary>A point to evaluate names a list or dictionary category with an equal new object, as in Ray and hyperopt.</summary>
public class PointsToEvaluateCategoryTests
{
    private static readonly SearchSpace Space = new()
    {
        ["layers"] = Tune.Choice(new List<object?> { 32L, 32L }, new List<object?> { 64L, 64L }),
        ["opt"] = Tune.Choice(new Dictionary<string, object?> { ["name"] = "adam" }, new Dictionary<string, object?> { ["name"] = "sgd" }),
    };

    private static readonly List<IReadOnlyDictionary<string, object?>> Point =
    [
        new Dictionary<string, object?> { ["layers"] = new List<object?> { 64L, 64L }, ["opt"] = new Dictionary<string, object?> { ["name"] = "sgd" } },
    ];

    public static TheoryData<ISearcher> Searchers => new()
    {
        new BasicVariantGenerator { PointsToEvaluate = Point },
        new TpeSearch { PointsToEvaluate = Point },
        new BayesOptSearch { PointsToEvaluate = Point },
    };

    [Theory]
    [MemberData(nameof(Searchers))]
    public void Suggest_FirstTrial_IsThePointsListAndDictionaryCategories(ISearcher searcher)
    {
        for (int seed = 0; seed < 5; seed++)
        {
            searcher.Setup(new SearcherSetup(Space, "loss", Mode.Min, 4, seed));

            Config first = searcher.Suggest("t0").Config!;

            Assert.Equal("[64,64]", System.Text.Json.JsonSerializer.Serialize(first.Get<object>("layers")));
            Assert.Equal("sgd", first.Get<string>("opt/name"));
        }
    }
}
