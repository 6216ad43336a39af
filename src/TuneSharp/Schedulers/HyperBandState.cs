using System.Text.Json.Nodes;

namespace TuneSharp.Schedulers;

/// <summary>HyperBand's bands, brackets and pause bookkeeping as a versioned JSON record.</summary>
internal static class HyperBandState
{
    public static JsonObject Save(int version, List<List<HyperBandBracket>> bands,
        HashSet<string> paused, HashSet<string> ready, int numStopped) => new()
    {
        ["version"] = version,
        ["num_stopped"] = numStopped,
        ["bands"] = new JsonArray(bands.Select(band => (JsonNode)new JsonArray(band.Select(b => (JsonNode)b.SaveState()).ToArray())).ToArray()),
        ["paused"] = new JsonArray(paused.Select(id => (JsonNode)id!).ToArray()),
        ["ready"] = new JsonArray(ready.Select(id => (JsonNode)id!).ToArray()),
    };

    public static void Restore(HyperBandScheduler scheduler, JsonObject state, List<List<HyperBandBracket>> bands,
        Dictionary<string, HyperBandBracket> bracketOf, HashSet<string> paused, HashSet<string> ready)
    {
        foreach (JsonNode? bandNode in state["bands"]!.AsArray())
        {
            var band = new List<HyperBandBracket>();
            foreach (JsonNode? bracketNode in bandNode!.AsArray())
            {
                int s = scheduler.BracketIndexOf(band.Count);
                var bracket = HyperBandBracket.Restore(bracketNode!.AsObject(), scheduler.BracketSize(s), scheduler.BracketStart(s),
                    scheduler.MaxT, scheduler.ReductionFactor, s, scheduler.StopLastTrials);
                foreach (string id in bracket.AllTrials)
                    bracketOf[id] = bracket;
                band.Add(bracket);
            }
            bands.Add(band);
        }
        foreach (JsonNode? id in state["paused"]!.AsArray())
            paused.Add(id!.GetValue<string>());
        foreach (JsonNode? id in state["ready"]!.AsArray())
            ready.Add(id!.GetValue<string>());
    }
}
