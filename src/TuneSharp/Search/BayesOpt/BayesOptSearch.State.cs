using System.Text.Json.Nodes;
using TuneSharp.Search.BayesOpt;
using static TuneSharp.Search.Encoding.StateJson;

namespace TuneSharp.Search;

public sealed partial class BayesOptSearch
{
    private const int StateVersion = 1;

    /// <summary>
    /// The searcher's state: the seed and the number of suggestions made (each suggestion draws from its own seeded
    /// stream), the next point to evaluate, every observation in completion order, the running trials and the last
    /// fitted kernel hyperparameters with the number of trials they were fitted on (the next fit starts from them). Restoring it after <see cref="Setup"/> makes the
    /// next suggestion exactly the one the saved searcher would make.
    /// </summary>
    public JsonObject SaveState()
    {
        var rows = new JsonArray();
        var losses = new JsonArray();
        for (int row = 0; row < _observations.Count; row++)
        {
            rows.Add(Vector(_observations.Row(row)));
            losses.Add(Number(_observations.Loss(row)));
        }
        var running = new JsonArray();
        foreach (var (id, x) in _observations.Running)
            running.Add(new JsonObject { ["id"] = id, ["x"] = Vector(x) });
        return new JsonObject
        {
            ["version"] = StateVersion,
            ["seed"] = _seed,
            ["suggested"] = _suggested,
            ["next_point"] = _nextPoint,
            ["parameters"] = new JsonArray(_space?.Keys.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray() ?? []),
            ["losses"] = losses,
            ["rows"] = rows,
            ["running"] = running,
            ["kernel"] = _model?.Hyperparameters is { } h ? Vector(h.ToVector()) : null,
            ["kernel_fitted_on"] = _model?.FittedOn ?? 0,
        };
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote; the search space must be the one it was saved with.</summary>
    public void RestoreState(JsonObject state)
    {
        if (_space is null || _model is null)
            throw new InvalidOperationException("Setup must be called before RestoreState.");
        int version = state["version"]!.GetValue<int>();
        if (version != StateVersion)
            throw new TuneException($"BayesOptSearch state has version {version}; this TuneSharp reads version {StateVersion}.");
        string[] saved = state["parameters"]!.AsArray().Select(k => k!.GetValue<string>()).ToArray();
        if (!saved.SequenceEqual(_space.Keys))
            throw new TuneException(
                $"BayesOptSearch state was saved for the parameters [{Describe(saved)}] but the search space now has [{Describe(_space.Keys)}]. Restore with the same search space.");
        _seed = state["seed"]!.GetValue<int>();
        _suggested = state["suggested"]!.GetValue<int>();
        _nextPoint = state["next_point"]!.GetValue<int>();
        _observations.Clear();
        JsonArray rows = state["rows"]!.AsArray(), losses = state["losses"]!.AsArray();
        for (int row = 0; row < rows.Count; row++)
            _observations.Add(ReadVector(rows[row]!), ReadNumber(losses[row]));
        foreach (JsonNode? entry in state["running"]!.AsArray())
            _observations.AddRunning(entry!["id"]!.GetValue<string>(), ReadVector(entry["x"]!));
        _model.Hyperparameters = state["kernel"] is JsonNode kernel ? GpHyperparameters.FromVector(ReadVector(kernel)) : null;
        _model.FittedOn = state["kernel_fitted_on"]!.GetValue<int>();
    }
}
