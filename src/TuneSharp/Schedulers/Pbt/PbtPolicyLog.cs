using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Schedulers.Pbt;

/// <summary>
/// Ray Tune's PBT policy logs: every exploit appends <c>[target, source, target iteration, source iteration,
/// source config, new config]</c> to <c>pbt_global.txt</c>, and the target's <c>pbt_policy_&lt;trial id&gt;.txt</c>
/// becomes the source's history plus this step, so one file replays a trial's whole schedule.
/// </summary>
internal static class PbtPolicyLog
{
    public const string GlobalFile = "pbt_global.txt";

    public static string PolicyFile(string experimentPath, string trialId) => Path.Combine(experimentPath, $"pbt_policy_{trialId}.txt");

    public static void Append(string experimentPath, string targetId, string targetName, string sourceId, string sourceName,
        long targetIteration, long sourceIteration, Config sourceConfig, Config newConfig)
    {
        string line = new JsonArray(targetName, sourceName, targetIteration, sourceIteration,
            JsonSerializer.SerializeToNode(sourceConfig, JsonDefaults.Options),
            JsonSerializer.SerializeToNode(newConfig, JsonDefaults.Options)).ToJsonString(JsonDefaults.Options);
        File.AppendAllText(Path.Combine(experimentPath, GlobalFile), line + "\n");
        string target = PolicyFile(experimentPath, targetId);
        string source = PolicyFile(experimentPath, sourceId);
        if (File.Exists(source))
            File.Copy(source, target, overwrite: true);
        else if (File.Exists(target))
            File.Delete(target);
        File.AppendAllText(target, line + "\n");
    }
}
