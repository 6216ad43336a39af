using System.Text.Json.Nodes;

namespace TuneSharp.Tests;

/// <summary>Reads what a trial wrote to its folder.</summary>
internal static class TrialFiles
{
    public static List<JsonObject> ResultLines(string trialDirectory) =>
        File.ReadAllLines(Path.Combine(trialDirectory, "result.json"))
            .Where(line => line.Length > 0)
            .Select(line => JsonNode.Parse(line)!.AsObject())
            .ToList();

    public static List<long> Column(string trialDirectory, string key) =>
        ResultLines(trialDirectory).Select(r => r[key]!.GetValue<long>()).ToList();

    public static List<string> CheckpointFolders(string trialDirectory) =>
        Directory.EnumerateDirectories(trialDirectory, "checkpoint_*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;
}
