using System.Text.Json;
using TuneSharp.Execution;
using TuneSharp.Storage;

namespace TuneSharp.Results;

/// <summary>Builds <see cref="Result"/>s from live trials.</summary>
internal static class ResultFactory
{
    public static Result FromTrial(Trial trial, CheckpointConfig checkpointConfig) => new(trial.Id, trial.Name, trial.Status, trial.Directory, trial.Config,
        trial.LastResult, trial.Checkpoints.Kept.ToList(), trial.Status == TrialStatus.Error ? trial.ErrorMessage : null, trial.Analysis, checkpointConfig);
}

/// <summary>Reads an experiment folder back: the latest state snapshot, each trial's <c>result.json</c> and its
/// <c>checkpoint_*</c> folders (newer than the snapshot can be, as a resume reads them).</summary>
internal static class ExperimentReader
{
    public static ResultGrid Read(string experimentPath)
    {
        string path = Path.GetFullPath(experimentPath);
        string stateFile = ExperimentStore.FindLatestState(path)
            ?? throw new TuneException($"'{path}' holds no TuneSharp experiment state ({ExperimentStore.StatePrefix}*.json). Pass the folder of an experiment, e.g. ~/tune_results/<name>.");
        using var document = JsonDocument.Parse(File.ReadAllText(stateFile));
        JsonElement root = document.RootElement;
        CheckpointConfig checkpointConfig = SavedTunerSettings.Read(path)?.CheckpointScoring() ?? new CheckpointConfig();
        var results = new List<Result>();
        foreach (JsonElement t in root.GetProperty("trials").EnumerateArray())
        {
            string dir = Path.Combine(path, t.GetProperty("dir_name").GetString()!);
            var status = Enum.Parse<TrialStatus>(t.GetProperty("status").GetString()!, ignoreCase: true);
            var analysis = new MetricAnalysis();
            IReadOnlyDictionary<string, object?>? last = null;
            var history = TrialResultWriter.ReadHistory(dir);
            foreach (var row in history)
            {
                analysis.Add(row);
                last = row;
            }
            var checkpoints = ExperimentStore.CheckpointsOnDisk(dir, history);
            if (status is TrialStatus.Terminated && last is not null)
                last = new Dictionary<string, object?>(last) { [ResultFields.Done] = true };
            string? error = t.GetProperty("error").ValueKind == JsonValueKind.String && status == TrialStatus.Error ? t.GetProperty("error").GetString() : null;
            results.Add(new Result(t.GetProperty("trial_id").GetString()!, t.GetProperty("name").GetString()!, status, dir,
                Config.FromJson(t.GetProperty("config")), last, checkpoints, error, analysis, checkpointConfig));
        }
        string? metric = root.GetProperty("metric").ValueKind == JsonValueKind.String ? root.GetProperty("metric").GetString() : null;
        Mode? mode = root.GetProperty("mode").GetString() switch { "max" => Mode.Max, "min" => Mode.Min, _ => null };
        return new ResultGrid(path, results, metric, mode);
    }
}
