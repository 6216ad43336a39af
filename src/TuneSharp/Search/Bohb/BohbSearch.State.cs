using System.Text.Json.Nodes;
using TuneSharp.Search.Encoding;
using static TuneSharp.Search.Encoding.StateJson;

namespace TuneSharp.Search;

public sealed partial class BohbSearch
{
    private const int StateVersion = 1;

    /// <summary>
    /// The searcher's state: the seed and the number of suggestions made (each suggestion draws from its own seeded
    /// stream), the next point to evaluate, the observations of every budget in the order they arrived, and the
    /// configurations of the trials still alive. The densities are refitted from the observations for every
    /// proposal, so restoring this after <see cref="Setup"/> makes the next suggestion exactly the one the saved
    /// searcher would make.
    /// </summary>
    public JsonObject SaveState()
    {
        var budgets = new JsonArray();
        foreach (var (budget, observations) in _byBudget)
        {
            var rows = new JsonArray();
            var losses = new JsonArray();
            for (int row = 0; row < observations.Count; row++)
            {
                rows.Add(Vector(observations.Row(row)));
                losses.Add(Number(observations.Loss(row)));
            }
            budgets.Add(new JsonObject { ["budget"] = Number(budget), ["rows"] = rows, ["losses"] = losses });
        }
        var trials = new JsonArray();
        foreach (var (id, x) in _trials)
            trials.Add(new JsonObject { ["id"] = id, ["x"] = Vector(x) });
        return new JsonObject
        {
            ["version"] = StateVersion,
            ["seed"] = _seed,
            ["suggested"] = _suggested,
            ["next_point"] = _nextPoint,
            ["model_based"] = ModelBasedSuggestions,
            ["parameters"] = new JsonArray(_space?.Keys.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray() ?? []),
            ["budgets"] = budgets,
            ["trials"] = trials,
        };
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote; the search space must be the one it was saved with.</summary>
    public void RestoreState(JsonObject state)
    {
        if (_space is null)
            throw new InvalidOperationException("Setup must be called before RestoreState.");
        int version = state["version"]!.GetValue<int>();
        if (version != StateVersion)
            throw new TuneException($"BohbSearch state has version {version}; this TuneSharp reads version {StateVersion}.");
        string[] saved = state["parameters"]!.AsArray().Select(k => k!.GetValue<string>()).ToArray();
        if (!saved.SequenceEqual(_space.Keys))
            throw new TuneException(
                $"BohbSearch state was saved for the parameters [{Describe(saved)}] but the search space now has [{Describe(_space.Keys)}]. Restore with the same search space.");
        _seed = state["seed"]!.GetValue<int>();
        _suggested = state["suggested"]!.GetValue<int>();
        _nextPoint = state["next_point"]!.GetValue<int>();
        ModelBasedSuggestions = state["model_based"]!.GetValue<int>();
        _byBudget.Clear();
        foreach (JsonNode? entry in state["budgets"]!.AsArray())
        {
            double budget = ReadNumber(entry!["budget"]);
            JsonArray rows = entry["rows"]!.AsArray(), losses = entry["losses"]!.AsArray();
            var observations = new Observations(_space.Parameters.Count);
            for (int row = 0; row < rows.Count; row++)
                observations.Add(ReadVector(rows[row]!), ReadNumber(losses[row]));
            _byBudget[budget] = observations;
        }
        _trials.Clear();
        foreach (JsonNode? entry in state["trials"]!.AsArray())
            _trials[entry!["id"]!.GetValue<string>()] = ReadVector(entry["x"]!);
    }
}
