using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using TuneSharp.Results;
using TuneSharp.Storage;

namespace TuneSharp.Execution;

/// <summary>How to resume an interrupted experiment (Ray's <c>Tuner.restore</c> options).</summary>
/// <param name="StateFile">The experiment state snapshot to resume from.</param>
/// <param name="ResumeErrored">Run errored trials again from their latest checkpoint.</param>
/// <param name="RestartErrored">Run errored trials again from scratch.</param>
internal sealed record ExperimentResume(string StateFile, bool ResumeErrored, bool RestartErrored);

internal sealed partial class TuneController
{
    /// <summary>
    /// Rebuilds the trials of an interrupted experiment. The snapshot gives each trial's status and config;
    /// <c>result.json</c> and the <c>checkpoint_*</c> folders on disk are newer than the snapshot can be, so
    /// they decide the iteration, the last result and the checkpoints. Unfinished trials continue from their
    /// latest checkpoint; the searcher and scheduler get their saved state back.
    /// </summary>
    private void Resume(ExperimentResume resume)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(resume.StateFile));
        JsonElement root = document.RootElement;
        int version = root.GetProperty("version").GetInt32();
        if (version != StateVersion)
            throw new TuneException($"'{resume.StateFile}' has state version {version}; this TuneSharp resumes version {StateVersion}.");
        _experimentHex = root.GetProperty("experiment_hex").GetString()!;
        _searcherFinished = root.GetProperty("searcher_finished").GetBoolean();
        var endedAfterSnapshot = new List<Trial>();
        var unseen = new List<(Trial Trial, IReadOnlyList<IReadOnlyDictionary<string, object?>> Results)>();
        long snapshotSeconds = new DateTimeOffset(File.GetLastWriteTimeUtc(resume.StateFile)).ToUnixTimeSeconds();
        foreach (JsonElement element in root.GetProperty("trials").EnumerateArray())
            RestoreTrial(element, resume, endedAfterSnapshot, unseen, snapshotSeconds);
        RestoreComponentState(root, "searcher", _searcher.GetType().Name, _searcher.RestoreState);
        RestoreComponentState(root, "scheduler", _scheduler.GetType().Name, _scheduler.RestoreState);
        if (root.TryGetProperty("stopper", out _) && _runConfig.Stop is { } stop)
            RestoreComponentState(root, "stopper", stop.GetType().Name, stop.RestoreState);
        // The results written after the snapshot stay the trials' (each goes on from its newest checkpoint): the stopper
        // hears of them now, as it had before the crash, or a MaximumIterationStopper's trial would run that many results
        // past its maximum (and a plateau's window would miss them).
        foreach (var (trial, results) in unseen)
            TellStopper(trial, results);
        if (root.TryGetProperty("time_budget_used_s", out JsonElement used))
            _budgetUsedBefore = TimeSpan.FromSeconds(used.GetDouble());
        // Trials whose last line says done ended after the snapshot: the searcher and scheduler hear of it now, as
        // they would have then.
        foreach (Trial trial in endedAfterSnapshot)
        {
            _searcher.OnTrialComplete(trial.Id, trial.LastResult, error: false);
            if (trial.StoppedByScheduler)
                _scheduler.OnTrialRemove(trial.Snapshot());
            else
                _scheduler.OnTrialComplete(trial.Snapshot(), trial.LastResult);
        }
        _endedAtResume = endedAfterSnapshot;
        _orphans = _store.UnclaimedTrialFolders();
        // A crash between a new checkpoint and the deletion of an old one leaves one too many; retention applies now
        // that the scheduler's state says which checkpoints it still needs.
        foreach (Trial trial in _trials)
            foreach (string doomed in trial.Checkpoints.Prune(KeptForScheduler))
                ExperimentStore.DeleteCheckpoint(doomed);
        _logger.LogInformation("Resumed {Path}: {Count} trials, {Waiting} to run", _store.Path, _trials.Count, _waiting.Count);
    }

    private void RestoreTrial(JsonElement element, ExperimentResume resume, List<Trial> endedAfterSnapshot,
        List<(Trial, IReadOnlyList<IReadOnlyDictionary<string, object?>>)> unseen, long snapshotSeconds)
    {
        string dir = Path.Combine(_store.Path, element.GetProperty("dir_name").GetString()!);
        _store.Claim(dir);
        RepairFolder(dir);

        // params.json is rewritten (atomically) whenever a trial's config changes, as at a PBT exploit: it can be newer
        // than the snapshot, whose config would undo the exploit's explore step and then overwrite the file.
        Config config = ExperimentStore.ReadParams(dir) ?? Config.FromJson(element.GetProperty("config"));
        var trial = new Trial(element.GetProperty("trial_id").GetString()!, element.GetProperty("name").GetString()!,
            element.GetProperty("index").GetInt32(), config,
            element.GetProperty("sampled_paths").EnumerateArray().Select(p => p.GetString()!).ToList(),
            _trainable.Resources, _runConfig.CheckpointConfig, _time.GetLocalNow())
        {
            Directory = dir,
            NumFailures = element.GetProperty("num_failures").GetInt32(),
            ErrorMessage = element.GetProperty("error").ValueKind == JsonValueKind.String ? element.GetProperty("error").GetString() : null,
        };
        var history = ReadHistoryAndCheckpoints(trial);

        var status = Enum.Parse<TrialStatus>(element.GetProperty("status").GetString()!, ignoreCase: true);
        if (status == TrialStatus.Error && resume.RestartErrored)
        {
            // Start over. The failed attempt's checkpoints and results move aside (kept, not deleted), and new checkpoints
            // take later names, so neither a later resume, the trial's summaries nor a best-checkpoint query take the
            // failed attempt's for the new one's.
            StartOver(trial);
            history = [];
        }
        TakeHistory(trial, history);
        if (SeenBySnapshot(element, history) is var seen && seen < history.Count)
            unseen.Add((trial, history.Skip(seen).ToList()));
        // "ending": the snapshot saw it told to stop and winding down (a slow Cleanup; "true" in this session's first files).
        JsonElement end = default;
        bool ending = status == TrialStatus.Running && element.TryGetProperty("ending", out end)
            && end.ValueKind is JsonValueKind.String or JsonValueKind.True;
        if (status is TrialStatus.Running or TrialStatus.Pending or TrialStatus.Paused && (ending || EndsDone(history)
            && ResultFields.TryGetDouble(history[^1], ResultFields.Timestamp, out double written) && written >= snapshotSeconds))
        {
            // Told to stop when the snapshot was written, or its last result said done (a class trainable's final step, a
            // function's done = true, a stopper's or the scheduler's stop) after it: it ended then, and must not run a
            // step past its end now.
            trial.StoppedByScheduler = ending && end.ValueKind == JsonValueKind.String && end.GetString() == EndingByScheduler;
            status = TrialStatus.Terminated;
            endedAfterSnapshot.Add(trial);
        }
        if (status == TrialStatus.Error && (resume.ResumeErrored || resume.RestartErrored))
            status = TrialStatus.Pending;
        trial.Status = status switch
        {
            TrialStatus.Running => TrialStatus.Pending,
            _ => status,
        };
        // The last line was written before the trial was known to be done; a finished trial's result says done, as
        // the run's own grid and ResultGrid.FromDirectory do.
        if (trial.Status == TrialStatus.Terminated && trial.LastResult is { } last)
            trial.LastResult = new Dictionary<string, object?>(last) { [ResultFields.Done] = true };
        _trials.Add(trial);
        _trialsById[trial.Id] = trial;
        if (trial.Status is TrialStatus.Pending or TrialStatus.Paused)
            _waiting.Add(trial);
    }

    /// <summary>restartErrored: the failed attempt's files move aside (<see cref="ExperimentStore.SetAsideFailedAttempt"/>),
    /// new checkpoints take later names, and the new attempt has the retries FailureConfig gives any trial.</summary>
    private static void StartOver(Trial trial)
    {
        int next = trial.Checkpoints.NextIndex;
        ExperimentStore.SetAsideFailedAttempt(trial.Directory, trial.Checkpoints.Kept.Select(c => c.Path));
        trial.Checkpoints.Restore([]);
        trial.Checkpoints.NextIndex = next;
        (trial.NumFailures, trial.ErrorMessage, trial.ErrorFile) = (0, null, null);
    }

    /// <summary>How many of <paramref name="history"/>'s results the snapshot had seen: up to the last one that is its
    /// last_result (the same iteration and total time; a rewind to an older checkpoint repeats iterations, never times).
    /// All of them when that result is not found.</summary>
    private static int SeenBySnapshot(JsonElement element, IReadOnlyList<IReadOnlyDictionary<string, object?>> history)
    {
        if (!element.TryGetProperty("last_result", out JsonElement lastElement) || lastElement.ValueKind != JsonValueKind.Object)
            return 0;
        var last = JsonValues.ToDictionary(lastElement);
        if (!ResultFields.TryGetDouble(last, ResultFields.TrainingIteration, out double iteration)
            || !ResultFields.TryGetDouble(last, ResultFields.TimeTotalS, out double total))
            return history.Count;
        for (int i = history.Count - 1; i >= 0; i--)
            if (ResultFields.TryGetDouble(history[i], ResultFields.TrainingIteration, out double it) && it == iteration
                && ResultFields.TryGetDouble(history[i], ResultFields.TimeTotalS, out double t) && Math.Abs(t - total) <= 1e-9 * Math.Abs(total))
                return i + 1;
        return history.Count;
    }

    /// <summary>Gives the stopper results it has not seen (those a crash kept out of its saved state), in order. Its answers
    /// are not acted on: each result's own line already says whether the trial ended there.</summary>
    private void TellStopper(Trial trial, IEnumerable<IReadOnlyDictionary<string, object?>> results)
    {
        if (_runConfig.Stop is not { } stop)
            return;
        foreach (var result in results)
            stop.ShouldStopTrial(trial.Id, result);
    }

    /// <summary>Makes a trial folder a crash left behind usable: half-written checkpoints go, a half-written last line
    /// is cut. (A trial that never started has no folder yet.)</summary>
    private static void RepairFolder(string dir)
    {
        if (Directory.Exists(dir))
            foreach (string staging in Directory.EnumerateDirectories(dir, ".staging_checkpoint_*"))
                ExperimentStore.DeleteCheckpoint(staging);
        RepairLastLine(Path.Combine(dir, TrialResultWriter.ResultFile));
        RepairLastLine(Path.Combine(dir, TrialResultWriter.ProgressFile));
    }

    /// <summary>Reads the trial's results from its folder (writing CSV rows a crash kept from progress.csv) and gives it
    /// the checkpoints on disk.</summary>
    private IReadOnlyList<IReadOnlyDictionary<string, object?>> ReadHistoryAndCheckpoints(Trial trial)
    {
        string dir = trial.Directory;
        var history = TrialResultWriter.ReadHistory(dir);
        // A crash between a result's line and its CSV row (the line goes first) leaves progress.csv a row short.
        if (TrialResultWriter.CsvRowCount(dir) is var rows && rows < history.Count)
        {
            using var writer = new TrialResultWriter(dir);
            writer.Open();
            foreach (var row in history.Skip(rows))
                writer.WriteCsv(row, _formatter);
        }
        trial.Checkpoints.Restore(ExperimentStore.CheckpointsOnDisk(dir, history));
        // The trial continues from an exploit's copy with the config that came with it: params.json is rewritten just after
        // the copy is in place, and a crash in between left it older.
        if (trial.Checkpoints.Latest is { } latest && ExperimentStore.ReadCheckpointConfig(latest.Path) is { } exploited
            && exploited.ToString() != trial.Config.ToString())
        {
            trial.Config = exploited;
            ExperimentStore.WriteParams(dir, exploited);
        }
        // New checkpoints take names no line and no folder has used: a line may name one that a crash kept from arriving.
        trial.Checkpoints.NextIndex = Math.Max(trial.Checkpoints.NextIndex, NamedIndices(history).DefaultIfEmpty(-1).Max() + 1);
        return history;
    }

    /// <summary>Takes the results read back as the trial's: its summaries, last result, iteration and time.</summary>
    private static void TakeHistory(Trial trial, IReadOnlyList<IReadOnlyDictionary<string, object?>> history)
    {
        foreach (var row in history)
            trial.Analysis.Add(row);
        if (history.Count > 0)
        {
            trial.LastResult = history[^1];
            trial.Iteration = ResultFields.TryGetDouble(history[^1], ResultFields.TrainingIteration, out double it) ? (long)it : history.Count;
            trial.TimeTotal = ResultFields.TryGetDouble(history[^1], ResultFields.TimeTotalS, out double t) ? t : 0;
        }
    }

    /// <summary>A trial folder's name without the time a default name ends with (and the <c>_N</c> that keeps it unique).</summary>
    private static string WithoutTime(string folderName) =>
        Regex.Replace(folderName, @"_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?:_\d+)?$", "");

    private static bool EndsDone(IReadOnlyList<IReadOnlyDictionary<string, object?>> history) =>
        history.Count > 0 && history[^1].GetValueOrDefault(ResultFields.Done) is true;

    /// <summary>
    /// A trial created after the last snapshot has a folder the snapshot does not know. The searcher, restored to that
    /// snapshot, suggests it again under the same id: when the suggested config is the one the folder's trial began with,
    /// the trial takes the folder back, with its results, checkpoints, failures and current config (a PBT exploit may have
    /// changed it since), instead of starting over in a new one and leaving the results of the first run out of the
    /// experiment. The folder is named as this trial's would be, but for the time in it; folders no trial takes stay on
    /// disk as they are. Returns whether it took one.
    /// </summary>
    private bool TryAdoptOrphan(Trial trial, string dirName)
    {
        string named = WithoutTime(dirName);
        string config = trial.Config.ToString();
        // Crashes one after another may have left several folders for this trial, some for configs no longer suggested:
        // its own began with its config, and has the most results.
        string? orphan = _orphans
            .Where(o => Path.GetFileName(o) is { } name && (name == dirName || WithoutTime(name) == named))
            .Where(o => ExperimentStore.ReadParams(o)?.ToString() == config || TrialResultWriter.FirstConfig(o)?.ToString() == config
                || ExperimentStore.IsEmpty(o)) // made for it, and the crash came before anything was written into it
            .OrderBy(o => Path.GetFileName(o) == dirName ? 0 : 1).ThenByDescending(o => TrialResultWriter.ReadHistory(o).Count)
            .FirstOrDefault();
        if (orphan is null)
            return false;
        _orphans.Remove(orphan);
        _store.Claim(orphan);
        RepairFolder(orphan);
        trial.Directory = orphan;
        trial.Config = ExperimentStore.ReadParams(orphan) ?? trial.Config;
        var history = ReadHistoryAndCheckpoints(trial);
        TellStopper(trial, history); // made after the snapshot: the stopper has seen none of its results
        if (!EndsDone(history) && ExperimentStore.ReadFailures(orphan) is { Count: > 0 } failures)
        {
            // It failed after the snapshot: as many times as error.txt says, and for good when no retry was left.
            trial.NumFailures = failures.Count;
            trial.ErrorMessage = failures[^1];
            trial.ErrorFile = Path.Combine(orphan, ExperimentStore.ErrorFile);
            if (!HasRetriesLeft(trial))
            {
                trial.Status = TrialStatus.Error;
                if (_resume is { RestartErrored: true })
                {
                    StartOver(trial);
                    history = [];
                }
                if (_resume is { ResumeErrored: true } or { RestartErrored: true })
                    trial.Status = TrialStatus.Pending;
            }
        }
        TakeHistory(trial, history);
        _logger.LogInformation("Trial {Trial} takes back its folder {Folder}, made after the last snapshot", trial.Name, orphan);
        return true;
    }

    /// <summary>The checkpoint indices the result lines name.</summary>
    private static IEnumerable<int> NamedIndices(IReadOnlyList<IReadOnlyDictionary<string, object?>> history) =>
        history.Select(row => row.GetValueOrDefault(ResultFields.CheckpointDirName) as string)
            .Select(name => name is not null && name.StartsWith("checkpoint_", StringComparison.Ordinal)
                && int.TryParse(name["checkpoint_".Length..], out int index) ? index : -1)
            .Where(index => index >= 0);

    /// <summary>Cuts a line the crash left half-written, so appended lines stay well-formed.</summary>
    private static void RepairLastLine(string path)
    {
        if (!File.Exists(path))
            return;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        long end = stream.Length;
        if (end == 0)
            return;
        stream.Seek(-1, SeekOrigin.End);
        if (stream.ReadByte() == '\n')
            return;
        long cut = end - 1;
        while (cut > 0)
        {
            stream.Seek(cut - 1, SeekOrigin.Begin);
            if (stream.ReadByte() == '\n')
                break;
            cut--;
        }
        stream.SetLength(cut);
    }

    private void RestoreComponentState(JsonElement root, string key, string expectedType, Action<JsonObject> restore)
    {
        JsonElement component = root.GetProperty(key);
        string? savedType = component.GetProperty("type").GetString();
        if (savedType != expectedType)
        {
            _logger.LogWarning("The experiment was run with {Key} {Saved}, it resumes with {Type}: starting that {Key} afresh", key, savedType, expectedType, key);
            return;
        }
        restore(JsonNode.Parse(component.GetProperty("state").GetRawText())!.AsObject());
    }
}
