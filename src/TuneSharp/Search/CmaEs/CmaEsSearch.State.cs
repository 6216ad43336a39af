using System.Text.Json.Nodes;
using TuneSharp.Search.CmaEs;

namespace TuneSharp.Search;

public sealed partial class CmaEsSearch
{
    private const int StateVersion = 1;

    /// <summary>
    /// The searcher's state: the seed and the number of suggestions made (each suggestion draws from its own seeded
    /// stream), the distribution (mean, σ, C, both evolution paths, generation), the candidates handed out and the
    /// results told for the current generation, and the warm-start progress. Restoring it after <see cref="Setup"/>
    /// makes the next suggestion exactly the one the saved searcher would make.
    /// </summary>
    public JsonObject SaveState()
    {
        var running = new JsonArray();
        foreach (var (id, (u, generation)) in _running)
            running.Add(new JsonObject { ["id"] = id, ["x"] = Vector(u), ["generation"] = generation });
        var told = new JsonArray();
        foreach (var (x, loss) in _told)
            told.Add(new JsonObject { ["x"] = Vector(x), ["loss"] = Number(loss) });
        var points = new JsonArray();
        foreach (var (id, u) in _pointsRunning)
            points.Add(new JsonObject { ["id"] = id, ["x"] = Vector(u) });
        return new JsonObject
        {
            ["version"] = StateVersion,
            ["seed"] = _seed,
            ["suggested"] = _suggested,
            ["parameters"] = new JsonArray(_space?.Keys.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray() ?? []),
            ["next_point"] = _nextPoint,
            ["points_running"] = points,
            ["warm_best"] = _warmBest is { } best ? new JsonObject { ["x"] = Vector(best.U), ["loss"] = Number(best.Loss) } : null,
            ["generation_id"] = _generationId,
            ["handed_out"] = _handedOut,
            ["last_z"] = Vector(_lastZ),
            ["distribution"] = _distribution is null ? null : new JsonObject
            {
                ["population"] = _distribution.Constants.Population,
                ["generation"] = _distribution.Generation,
                ["sigma"] = _distribution.Sigma,
                ["mean"] = Vector(_distribution.Mean),
                ["covariance"] = Vector(_distribution.Covariance),
                ["path_sigma"] = Vector(_distribution.PathSigma),
                ["path_c"] = Vector(_distribution.PathC),
            },
            ["running"] = running,
            ["told"] = told,
        };
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote; the search space must be the one it was saved with.</summary>
    public void RestoreState(JsonObject state)
    {
        if (_space is null || _cube is null)
            throw new InvalidOperationException("Setup must be called before RestoreState.");
        int version = state["version"]!.GetValue<int>();
        if (version != StateVersion)
            throw new TuneException($"CmaEsSearch state has version {version}; this TuneSharp reads version {StateVersion}.");
        string[] saved = state["parameters"]!.AsArray().Select(k => k!.GetValue<string>()).ToArray();
        if (!saved.SequenceEqual(_space.Keys))
            throw new TuneException(
                $"CmaEsSearch state was saved for the parameters [{string.Join(", ", saved)}] but the search space now has [{string.Join(", ", _space.Keys)}]. Restore with the same search space.");
        _seed = state["seed"]!.GetValue<int>();
        _suggested = state["suggested"]!.GetValue<int>();
        _nextPoint = state["next_point"]!.GetValue<int>();
        _generationId = state["generation_id"]!.GetValue<int>();
        _handedOut = state["handed_out"]!.GetValue<int>();
        _lastZ = ReadVector(state["last_z"]!);
        _pointsRunning.Clear();
        foreach (JsonNode? entry in state["points_running"]!.AsArray())
            _pointsRunning[entry!["id"]!.GetValue<string>()] = ReadVector(entry["x"]!);
        _warmBest = state["warm_best"] is JsonObject best ? (ReadVector(best["x"]!), ReadNumber(best["loss"])) : null;
        _distribution = state["distribution"] is JsonObject d
            ? new CmaDistribution(new CmaConstants(_cube.Dimension, d["population"]!.GetValue<int>()), ReadVector(d["mean"]!),
                d["sigma"]!.GetValue<double>(), ReadVector(d["covariance"]!), ReadVector(d["path_sigma"]!), ReadVector(d["path_c"]!),
                d["generation"]!.GetValue<int>())
            : null;
        _running.Clear();
        foreach (JsonNode? entry in state["running"]!.AsArray())
            _running[entry!["id"]!.GetValue<string>()] = (ReadVector(entry["x"]!), entry["generation"]!.GetValue<int>());
        _told.Clear();
        foreach (JsonNode? entry in state["told"]!.AsArray())
            _told.Add((ReadVector(entry!["x"]!), ReadNumber(entry["loss"])));
    }

    private static JsonArray Vector(ReadOnlySpan<double> x)
    {
        var array = new JsonArray();
        foreach (double v in x)
            array.Add(Number(v));
        return array;
    }

    // JSON has no infinity: an infinite loss is a string.
    private static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v)
        : JsonValue.Create(v > 0 ? "Infinity" : "-Infinity");

    private static double ReadNumber(JsonNode? node) => node is JsonValue value && value.TryGetValue(out string? text)
        ? text == "Infinity" ? double.PositiveInfinity : double.NegativeInfinity
        : node!.GetValue<double>();

    private static double[] ReadVector(JsonNode node) => node.AsArray().Select(ReadNumber).ToArray();
}
