using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using TuneSharp.Reporting;
using TuneSharp.Search;
using TuneSharp.Schedulers;
using TuneSharp.Storage;

namespace TuneSharp.Execution;

internal sealed partial class TuneController
{
    public const int StateVersion = 1;
    private int StatusRows => _runConfig.ProgressReporter?.MaxProgressRows ?? 20;

    private JsonObject TunerSettings()
    {
        var settings = new JsonObject
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
            ["param_space"] = string.Join(", ", _space.Parameters().Select(p => $"{p.Path}: {p.Primitive}")),
        };
        foreach (var (key, value) in SavedTunerSettings.Write(_tuneConfig, _runConfig, _searcher, _scheduler, _space))
            settings[key] = value?.DeepClone();
        return settings;
    }

    /// <summary>The experiment's state, written atomically at a bounded rate (and at the end). It is streamed
    /// straight into the file: built as a JSON document first, with each result serialised and parsed back,
    /// it cost more than all other controller work once an experiment had thousands of trials.</summary>
    private void WriteState()
    {
        long started = _time.GetTimestamp();
        _store.WriteState(WriteStateJson);
        _stateDirty = false;
        _snapshotSoon = false;
        _lastStateWrite = _time.GetTimestamp();
        (_previousWrite, _lastWrite) = (_lastWrite, (_time.GetElapsedTime(started, _lastStateWrite), Math.Max(_trials.Count, 1)));
    }

    // The last two snapshots' durations and how many trials they held.
    private (TimeSpan Took, int Trials) _lastWrite, _previousWrite;

    /// <summary>What the next snapshot should take: each of the last two scaled to today's number of trials (a snapshot
    /// holds them all), the smaller. The smaller, so that one slow write (a process's first, which compiles the writer; a
    /// GC pause; a disk hiccup) does not hold off the next snapshot for 19 times as long (and a resume is always a new
    /// process); scaled, so that an experiment that doubles its trials between two snapshots still keeps to the bound.</summary>
    private TimeSpan ExpectedStateWriteDuration()
    {
        TimeSpan Scaled((TimeSpan Took, int Trials) write) => write.Took * Math.Max(1.0, (double)_trials.Count / write.Trials);
        return _previousWrite.Trials == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(Scaled(_lastWrite).Ticks, Scaled(_previousWrite).Ticks));
    }

    // AggressiveOptimization here and in what it calls per trial: a snapshot runs these once per trial, thousands of
    // times in a row every few seconds, and tiered compilation would run most of them as unoptimised code (the final
    // snapshot of 10,000 short trials took 140 ms that way; docs/benchmarks.md).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteStateJson(Utf8JsonWriter writer, Action drain)
    {
        writer.WriteStartObject();
        writer.WriteNumber("version", StateVersion);
        writer.WriteString("experiment_hex", _experimentHex);
        writer.WriteString("timestamp", _store.Timestamp);
        writer.WriteString("trainable", _trainable.Name);
        writer.WriteString("metric", _tuneConfig.Metric);
        writer.WriteString("mode", _tuneConfig.Mode?.ToRayString());
        writer.WriteBoolean("searcher_finished", _searcherFinished);
        writer.WriteStartArray("trials");
        foreach (Trial trial in _trials)
        {
            WriteTrialState(writer, trial);
            drain();
        }
        writer.WriteEndArray();
        WriteComponentState(writer, "searcher", _searcher.GetType().Name, _searcher.SaveState());
        WriteComponentState(writer, "scheduler", _scheduler.GetType().Name, _scheduler.SaveState());
        // What a restore goes on from, as Ray's pickled stopper (a TimeoutStopper's remaining time, a stopper's counts).
        if (StopperState() is { } stopper)
            WriteComponentState(writer, "stopper", _runConfig.Stop!.GetType().Name, stopper);
        writer.WriteNumber("time_budget_used_s", BudgetUsed.TotalSeconds);
        writer.WriteEndObject();
    }

    /// <summary><see cref="RunConfig.StateSnapshotInterval"/>, or 19 times what the next snapshot should take when
    /// that is longer: a snapshot holds every trial, so without this an experiment of many short trials would
    /// spend more and more of its time writing them. Snapshots then take at most 5% of the time, as Ray's
    /// automatic experiment checkpoint period ensures. After a trial has ended or been made the snapshot comes sooner (a
    /// tenth of the interval, at least <see cref="SoonSnapshotDelay"/>, under the same 5% bound): until it is written, a
    /// crash would make a resume run an ended trial again (one the scheduler had stopped would train past its stop), and
    /// leave a new one's results in a folder the restored searcher, suggesting another config, would not take back.</summary>
    private TimeSpan StateSnapshotInterval
    {
        get
        {
            long interval = _runConfig.StateSnapshotInterval.Ticks;
            // A tenth of the configured interval, at least 0.2 s: 0.2 s by default; a user who chose a long interval
            // (slow storage) keeps most of its saving.
            if (_snapshotSoon)
                interval = Math.Min(interval, Math.Max(SoonSnapshotDelay.Ticks, interval / 10));
            return TimeSpan.FromTicks(Math.Max(interval, 19 * ExpectedStateWriteDuration().Ticks));
        }
    }

    private static readonly TimeSpan SoonSnapshotDelay = TimeSpan.FromMilliseconds(200);
    private bool _snapshotSoon; // a trial ended or was made since the last snapshot
    private const string EndingByScheduler = "scheduler";

    /// <summary>The stopper's state, or null. A stopper is user code: one that throws here ends the experiment as any of
    /// its calls does, and the snapshot is still written without it (thrown mid-file, it would leave no snapshot, and at
    /// the end skip OnExperimentEnd and hide the error).</summary>
    private JsonObject? StopperState()
    {
        try
        {
            return _runConfig.Stop?.SaveState();
        }
        catch (Exception e)
        {
            Fail(new TuneException($"The stopper's SaveState threw {e.GetType().Name}: {e.Message}", e));
            return null;
        }
    }

    private static void WriteComponentState(Utf8JsonWriter writer, string name, string type, JsonObject state)
    {
        writer.WriteStartObject(name);
        writer.WriteString("type", type);
        writer.WritePropertyName("state");
        state.WriteTo(writer, JsonDefaults.Options);
        writer.WriteEndObject();
    }

    // Ray's spelling (TERMINATED), made once rather than per trial per snapshot.
    private static readonly string[] StatusNames = Enum.GetNames<TrialStatus>().Select(name => name.ToUpperInvariant()).ToArray();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteTrialState(Utf8JsonWriter writer, Trial trial)
    {
        writer.WriteStartObject();
        writer.WriteString("trial_id", trial.Id);
        writer.WriteString("name", trial.Name);
        writer.WriteNumber("index", trial.Index);
        writer.WriteString("dir_name", Path.GetFileName(trial.Directory));
        writer.WriteString("status", StatusNames[(int)trial.Status]);
        // Told to stop and still winding down (its last line may say done, or not: a scheduler's stop of a pausing
        // trial): a resume must not run it again. Written only then, as a snapshot holds every trial.
        if (trial.Status == TrialStatus.Running && trial.PendingAction == TrialAction.Stop)
            writer.WriteString("ending", trial.StoppedByScheduler ? EndingByScheduler : "stop");
        writer.WritePropertyName("config");
        JsonSerializer.Serialize(writer, trial.Config, JsonDefaults.Options);
        writer.WriteStartArray("sampled_paths");
        foreach (string path in trial.SampledPaths)
            writer.WriteStringValue(path);
        writer.WriteEndArray();
        writer.WriteNumber("iteration", trial.Iteration);
        writer.WritePropertyName("time_total_s");
        ResultRecord.WriteJson(writer, trial.TimeTotal); // NaN and infinity as strings, as results spell them
        writer.WriteNumber("num_failures", trial.NumFailures);
        writer.WriteString("error", trial.ErrorMessage);
        writer.WriteStartArray("checkpoints");
        foreach (StoredCheckpoint checkpoint in trial.Checkpoints.Kept)
        {
            writer.WriteStartObject();
            writer.WriteString("dir_name", Path.GetFileName(checkpoint.Path));
            writer.WriteNumber("index", checkpoint.Index);
            WriteResult(writer, "metrics", checkpoint.Metrics);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        WriteResult(writer, "last_result", trial.LastResult);
        writer.WriteEndObject();
    }

    /// <summary>A result as <c>result.json</c> holds it, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteResult(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, object?>? result)
    {
        writer.WritePropertyName(name);
        if (result is null)
            writer.WriteNullValue();
        else
            ResultRecord.WriteJson(writer, result);
    }

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
            Notify(nameof(TuneCallback.OnStatus), c => { if (ReferenceEquals(c, callback)) c.OnStatus(status); });
        }
    }

    private ExperimentStatus BuildStatus()
    {
        var counts = _trials.GroupBy(t => t.Status).ToDictionary(g => g.Key, g => g.Count());
        // Running trials first, then the most recent others (the best ones, when the view is sorted by the metric), as
        // Ray's table keeps the interesting rows.
        var others = _trials.Where(t => t.Status != TrialStatus.Running);
        others = _runConfig.ProgressReporter is { SortByMetric: true } && _tuneConfig is { Metric: { } metric, Mode: { } mode }
            ? others.OrderBy(t => StatusText.Rank(t.LastResult, metric, mode))
            : others.Reverse();
        var shown = _trials.Where(t => t.Status == TrialStatus.Running).Concat(others)
            .Take(StatusRows).OrderBy(t => t.Index).Select(t => t.Snapshot()).ToList();
        var parameters = _space.Parameters().Where(p => p.Primitive is not FunctionDomain).Select(p => p.Path).ToList();
        var errored = _trials.Where(t => t.Status == TrialStatus.Error).Take(StatusRows).Select(t => t.Snapshot()).ToList();
        return new ExperimentStatus(_store?.Path ?? "", _started, Elapsed, _scheduler.StatusLines(), _pool.Describe(),
            _tuneConfig.Metric, parameters, counts, shown, _tuneConfig.Mode, BestTrial()?.Snapshot(), errored);
    }

    /// <summary>The trial whose last result is best by the experiment's metric (as Ray's status line picks it).</summary>
    private Trial? BestTrial()
    {
        if (_tuneConfig.Metric is not { } metric || _tuneConfig.Mode is not { } mode)
            return null;
        Trial? best = null;
        double bestValue = 0;
        foreach (Trial trial in _trials)
            if (trial.LastResult is { } last && ResultFields.TryGetDouble(last, metric, out double value) && !double.IsNaN(value)
                && (best is null || mode.IsBetter(value, bestValue)))
                (best, bestValue) = (trial, value);
        return best;
    }
}
