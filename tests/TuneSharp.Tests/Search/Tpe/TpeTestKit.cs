using System.Text.Json.Nodes;
using TuneSharp.Search;

namespace TuneSharp.Tests.Search.Tpe;

/// <summary>Drives a searcher directly, as the controller does: suggest, evaluate, complete.</summary>
internal static class TpeTestKit
{
    public static TpeSearch Setup(SearchSpace space, TpeSearch? searcher = null, int seed = 1, Mode mode = Mode.Min)
    {
        searcher ??= new TpeSearch();
        searcher.Setup(new SearcherSetup(space, "loss", mode, -1, seed));
        return searcher;
    }

    public static Config Next(ISearcher searcher, string id)
    {
        Suggestion suggestion = searcher.Suggest(id);
        Assert.Equal(SuggestionKind.Config, suggestion.Kind);
        return suggestion.Config!;
    }

    /// <summary>Runs <paramref name="trials"/> sequential trials and returns every config with its loss.</summary>
    public static List<(Config Config, double Loss)> Run(ISearcher searcher, Func<Config, double> objective, int trials, string prefix = "t")
    {
        var history = new List<(Config, double)>();
        for (int i = 0; i < trials; i++)
        {
            string id = $"{prefix}{i}";
            Config config = Next(searcher, id);
            double loss = objective(config);
            searcher.OnTrialComplete(id, new Dictionary<string, object?> { ["loss"] = loss }, error: false);
            history.Add((config, loss));
        }
        return history;
    }

    /// <summary>A state as it comes back from disk: serialised and parsed again.</summary>
    public static JsonObject RoundTrip(JsonObject state) => JsonNode.Parse(state.ToJsonString())!.AsObject();

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
