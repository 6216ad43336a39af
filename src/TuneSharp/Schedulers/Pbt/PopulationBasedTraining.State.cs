using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Schedulers;

public sealed partial class PopulationBasedTraining
{
    private const int StateVersion = 1;

    /// <inheritdoc />
    public JsonObject SaveState() => new()
    {
        ["version"] = StateVersion,
        ["seed"] = _seed,
        ["next_sync"] = _nextSync,
        ["num_checkpoints"] = _numCheckpoints,
        ["num_perturbations"] = _numPerturbations,
        ["members"] = new JsonArray(_members.Values.Select(m => (JsonNode)new JsonObject
        {
            ["trial_id"] = m.TrialId,
            ["name"] = m.Name,
            ["config"] = JsonSerializer.SerializeToNode(m.Config, JsonDefaults.Options),
            ["iteration"] = m.Iteration,
            ["last_score"] = m.LastScore,
            ["last_checkpoint"] = m.LastCheckpoint,
            ["pending_checkpoint"] = m.PendingCheckpoint,
            ["last_perturbation_time"] = m.LastPerturbationTime,
            ["last_train_time"] = m.LastTrainTime,
            ["finished"] = m.Finished,
            ["awaiting_save"] = m.AwaitingSave,
        }).ToArray()),
    };

    /// <inheritdoc />
    /// <remarks>The population's bookkeeping comes back exactly; the random stream is re-seeded from the seed
    /// and the number of perturbations so far, so later draws differ from an uninterrupted run's.</remarks>
    public void RestoreState(JsonObject state)
    {
        int version = state["version"]!.GetValue<int>();
        if (version != StateVersion)
            throw new TuneException($"PopulationBasedTraining state has version {version}; this TuneSharp reads version {StateVersion}.");
        _numCheckpoints = state["num_checkpoints"]!.GetValue<int>();
        _numPerturbations = state["num_perturbations"]!.GetValue<int>();
        _nextSync = JsonValues.ReadDouble(state["next_sync"]!);
        _seed = state["seed"]!.GetValue<int>();
        _random = new Random(unchecked(_seed + _numPerturbations));
        _members.Clear();
        _sources.Clear();
        foreach (JsonNode? node in state["members"]!.AsArray())
        {
            var m = node!.AsObject();
            _members[m["trial_id"]!.GetValue<string>()] = new MemberState(m["trial_id"]!.GetValue<string>())
            {
                Name = m["name"]!.GetValue<string>(),
                Config = ConfigFrom(m["config"]!),
                Iteration = m["iteration"]!.GetValue<long>(),
                LastScore = m["last_score"] is { } score ? JsonValues.ReadDouble(score) : null,
                LastCheckpoint = m["last_checkpoint"]?.GetValue<string>(),
                PendingCheckpoint = m["pending_checkpoint"]?.GetValue<string>(),
                LastPerturbationTime = JsonValues.ReadDouble(m["last_perturbation_time"]!),
                LastTrainTime = JsonValues.ReadDouble(m["last_train_time"]!),
                Finished = m["finished"]!.GetValue<bool>(),
                AwaitingSave = m["awaiting_save"]?.GetValue<bool>() ?? false,
            };
        }
        foreach (MemberState member in _members.Values)
            if (!member.Finished && member.LastCheckpoint is { } path)
                _sources[path] = _sources.GetValueOrDefault(path) + 1;
    }

    private static Config ConfigFrom(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return Config.FromJson(document.RootElement);
    }
}
