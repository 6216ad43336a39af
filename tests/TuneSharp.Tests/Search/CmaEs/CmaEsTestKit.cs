using System.Text.Json.Nodes;
using TuneSharp.Search;
using TuneSharp.Tests.Search.Tpe;

namespace TuneSharp.Tests.Search.CmaEs;

/// <summary>Sets up a CmaEsSearch as the controller does; the ask/tell helpers are TpeTestKit's.</summary>
internal static class CmaEsTestKit
{
    public static CmaEsSearch Setup(SearchSpace space, CmaEsSearch? searcher = null, int seed = 1, Mode mode = Mode.Min)
    {
        searcher ??= new CmaEsSearch();
        searcher.Setup(new SearcherSetup(space, "loss", mode, -1, seed));
        return searcher;
    }

    public static SearchSpace Cube(int dimensions, double low = -5, double high = 5)
    {
        var space = new SearchSpace();
        for (int i = 0; i < dimensions; i++)
            space.Add($"x{i}", Tune.Uniform(low, high));
        return space;
    }

    public static double[] Point(Config config, int dimensions) =>
        Enumerable.Range(0, dimensions).Select(i => config.Get<double>($"x{i}")).ToArray();

    public static Config Next(ISearcher searcher, string id) => TpeTestKit.Next(searcher, id);

    public static List<(Config Config, double Loss)> Run(ISearcher searcher, Func<Config, double> objective, int trials, string prefix = "t") =>
        TpeTestKit.Run(searcher, objective, trials, prefix);

    public static JsonObject RoundTrip(JsonObject state) => TpeTestKit.RoundTrip(state);

    public static double Median(IEnumerable<double> values) => TpeTestKit.Median(values);

    public static Dictionary<string, object?> Loss(double loss) => new() { ["loss"] = loss };
}
