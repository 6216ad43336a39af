using System.Text.Json;
using System.Text.Json.Nodes;
using TuneSharp.Reporting;
using TuneSharp.Search;
using TuneSharp.Storage;

namespace TuneSharp.Execution;

internal sealed partial class TuneController
{
    public const int StateVersion = 1;
    private const int StatusRows = 20;

    private JsonObject TunerSettings() => new()
    {
        ["version"] = StateVersion,
        ["trainable"] = _trainable.Name,
        ["class_trainable"] = _trainable.IsClassTrainable,
        ["resources_per_trial"] = _trainable.Resources.ToString(),
        ["metric"] = _tuneConfig.Metric,
        ["mode"] = _tuneConfig.Mode?.ToRayString(),
        ["num_samples"] = _tuneConfig.NumSamples,
        ["max_concurrent_trials"] = _tuneConfig.MaxConcurrentTrials,
        ["time_budget_s"] = _tuneConfig.TimeBudget?.TotalSeconds,
        ["seed"] = _seed,
        ["search_alg"] = _searcher.GetType().Name,
        ["scheduler"] = _scheduler.GetType().Name,
        ["param_space"] = string.Join(", ", _space.Parameters().Select(p => $"{p.Path}: {p.Primitive}")),
    };

    /// <summary>The experiment's state, written atomically at a bounded rate (and at the end).</summary>
    private void WriteState()
    {
        var trials = new JsonArray();
        foreach (Trial trial in _trials)
            trials.Add(TrialState(trial));
        var state = new JsonObject
        {
            ["version"] = StateVersion,
            ["experiment_hex"] = _experimentHex,
            ["timestamp"] = _store.Timestamp,
            ["trainable"] = _trainable.Name,
            ["metric"] = _tuneConfig.Metric,
            ["mode"] = _tuneConfig.Mode?.ToRayString(),
            ["searcher_finished"] = _searcherFinished,
            ["trials"] = trials,
            ["searcher"] = new JsonObject { ["type"] = _searcher.GetType().Name, ["state"] = _searcher.SaveState() },
            ["scheduler"] = new JsonObject { ["type"] = _scheduler.GetType().Name, ["state"] = _scheduler.SaveState() },
        };
        _store.WriteState(state);
        _stateDirty = false;
        _lastStateWrite = _time.GetTimestamp();
    }

    private static JsonObject TrialState(Trial trial) => new()
    {
        ["trial_id"] = trial.Id,
        ["name"] = trial.Name,
        ["index"] = trial.Index,
        ["dir_name"] = Path.GetFileName(trial.Directory),
        ["status"] = trial.Status.ToString().ToUpperInvariant(),
        ["config"] = JsonSerializer.SerializeToNode(trial.Config, JsonDefaults.Options),
        ["sampled_paths"] = new JsonArray(trial.SampledPaths.Select(p => (JsonNode)p!).ToArray()),
        ["iteration"] = trial.Iteration,
        ["time_total_s"] = trial.TimeTotal,
        ["num_failures"] = trial.NumFailures,
        ["error"] = trial.ErrorMessage,
        ["checkpoints"] = new JsonArray(trial.Checkpoints.Kept.Select(c => (JsonNode)new JsonObject
        {
            ["dir_name"] = Path.GetFileName(c.Path),
            ["index"] = c.Index,
            ["metrics"] = c.Metrics is null ? null : ToNode(c.Metrics),
        }).ToArray()),
        ["last_result"] = trial.LastResult is null ? null : ToNode(trial.LastResult),
    };

    private static JsonNode? ToNode(IReadOnlyDictionary<string, object?> values) =>
        JsonNode.Parse(ResultRecord.ToJsonLine(values, new System.Buffers.ArrayBufferWriter<byte>()));

    private void PublishStatus()
    {
        ExperimentStatus? status = null;
        foreach (TuneCallback callback in _runConfig.Callbacks)
        {
            if (callback.StatusInterval is not { } interval)
                continue;
            long last = _lastStatus.GetValueOrDefault(callback);
            if (last != 0 && _time.GetElapsedTime(last) < interval)
                continue;
            _lastStatus[callback] = _time.GetTimestamp();
            status ??= BuildStatus();
            Notify(c => { if (ReferenceEquals(c, callback)) c.OnStatus(status); });
        }
    }

    private ExperimentStatus BuildStatus()
    {
        var counts = _trials.GroupBy(t => t.Status).ToDictionary(g => g.Key, g => g.Count());
        // Running trials first, then the most recent others, as Ray's table keeps the interesting rows.
        var shown = _trials.Where(t => t.Status == TrialStatus.Running)
            .Concat(_trials.Where(t => t.Status != TrialStatus.Running).Reverse())
            .Take(StatusRows).OrderBy(t => t.Index).Select(t => t.Snapshot()).ToList();
        var parameters = _space.Parameters().Where(p => p.Primitive is not FunctionDomain).Select(p => p.Path).ToList();
        return new ExperimentStatus(_store?.Path ?? "", _started, Elapsed, _scheduler.StatusLines(), _pool.Describe(),
            _tuneConfig.Metric, parameters, counts, shown);
    }
}
