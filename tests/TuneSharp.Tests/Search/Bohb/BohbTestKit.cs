using System.Text.Json.Nodes;
using TuneSharp.Search;
using TuneSharp.Search.Bohb;

namespace TuneSharp.Tests.Search.Bohb;

/// <summary>Drives a BohbSearch as the controller and HyperBandForBohb do: suggest, then report losses at budgets.</summary>
internal static class BohbTestKit
{
    public static BohbSearch Setup(SearchSpace space, BohbSearch? searcher = null, int seed = 1)
    {
        searcher ??= new BohbSearch();
        searcher.Setup(new SearcherSetup(space, "loss", Mode.Min, -1, seed));
        return searcher;
    }

    public static Config Next(ISearcher searcher, string id)
    {
        Suggestion suggestion = searcher.Suggest(id);
        Assert.Equal(SuggestionKind.Config, suggestion.Kind);
        return suggestion.Config!;
    }

    /// <summary>What HyperBandForBohb says when trial <paramref name="id"/> reaches <paramref name="budget"/>.</summary>
    public static void Observe(BohbSearch searcher, string id, double budget, double loss) =>
        ((IBudgetObserver)searcher).OnBudgetReached(id, budget, new Dictionary<string, object?> { ["loss"] = loss, ["training_iteration"] = budget });

    /// <summary>Suggests <paramref name="trials"/> configs, each observed once at <paramref name="budget"/>.</summary>
    public static List<(Config Config, double Loss)> Run(BohbSearch searcher, Func<Config, double> objective, int trials, double budget = 1, string prefix = "t")
    {
        var history = new List<(Config, double)>();
        for (int i = 0; i < trials; i++)
        {
            string id = $"{prefix}{i}";
            Config config = Next(searcher, id);
            double loss = objective(config);
            Observe(searcher, id, budget, loss);
            searcher.OnTrialComplete(id, new Dictionary<string, object?> { ["loss"] = loss }, error: false);
            history.Add((config, loss));
        }
        return history;
    }

    public static JsonObject RoundTrip(JsonObject state) => JsonNode.Parse(state.ToJsonString())!.AsObject();
}
