using System.Text;
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
        // Written whole and moved into place: a crash midway (copying the source's file, then appending) left the target's
        // file empty or without this step (kill -9 fuzzing, pb2_fn), and the replay of its schedule with it.
        string history = File.Exists(source) ? File.ReadAllText(source) : "";
        Storage.ExperimentStore.WriteAtomically(target, Encoding.UTF8.GetBytes(history + line + "\n"));
    }
}
