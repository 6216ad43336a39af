using TuneSharp.Reporting.TensorBoard;

namespace TuneSharp.Reporting;

/// <summary>
/// Writes every trial's results as TensorBoard event files in its folder (Ray Tune's <c>TBXLoggerCallback</c>), so that
/// <c>tensorboard --logdir &lt;experiment folder&gt;</c> shows each trial's curves and, once a trial has ended, its
/// hyperparameters beside its last metrics in the HPARAMS tab. Add it to <see cref="RunConfig.Callbacks"/>.
/// </summary>
/// <remarks>
/// As Ray's logger: each numeric or boolean entry of a result becomes a scalar tagged <c>ray/tune/&lt;key&gt;</c> (nested
/// dictionaries joined with '/'; the <c>ray/tune</c> prefix keeps dashboards made for Ray's output working), at step
/// <c>timesteps_total</c> when a result has it, else <c>training_iteration</c>; <c>config</c>, <c>pid</c>,
/// <c>timestamp</c>, <c>time_total_s</c> and <c>training_iteration</c> are left out, NaN is skipped; each start of a trial
/// (also after a pause or a failure) opens a new file; hyperparameters are written when a trial ends for good, not when
/// it pauses or fails and is retried (TensorBoard keeps the first record it reads, so an early one would stay). Unlike
/// Ray's, the hyperparameters are the whole config's numbers, strings and booleans, a failed trial's session is marked
/// failed, and lists are not logged (Ray writes them as histograms, images or video).
/// </remarks>
public sealed class TensorBoardLogger : TuneCallback
{
    private static readonly HashSet<string> LeftOut =
        [ResultFields.Config, ResultFields.Pid, ResultFields.Timestamp, ResultFields.TimeTotalS, ResultFields.TrainingIteration];

    private readonly TimeProvider _time;
    private readonly Dictionary<string, OpenFile> _open = new();
    private readonly Dictionary<string, string> _tags = new(); // result key → its tag, made once
    private readonly List<(string Tag, float Value)> _scalars = new();

    /// <summary>A logger on the system clock.</summary>
    public TensorBoardLogger() : this(TimeProvider.System) { }

    /// <summary>A logger that stamps events with <paramref name="time"/>'s clock.</summary>
    public TensorBoardLogger(TimeProvider time) => _time = time;

    /// <inheritdoc />
    public override void OnTrialStart(TrialInfo trial)
    {
        Close(trial, end: null);
        _open[trial.TrialId] = new OpenFile(new EventFile(trial.Directory, _time.GetUtcNow()), trial.Config);
    }

    /// <inheritdoc />
    public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
    {
        if (!_open.TryGetValue(trial.TrialId, out OpenFile? open))
        {
            OnTrialStart(trial);
            open = _open[trial.TrialId];
        }
        Remember(open, result);
        open.File.WriteScalars(_time.GetUtcNow(), open.Step, _scalars);
        open.File.Flush();
    }

    /// <inheritdoc />
    public override void OnTrialComplete(TrialInfo trial)
    {
        if (!_open.ContainsKey(trial.TrialId) && trial.LastResult is { } last)
        {
            // A trial a resume found finished (it ended after the last snapshot): its hyperparameters and last metrics
            // go into a file of their own.
            OnTrialStart(trial);
            Remember(_open[trial.TrialId], last);
        }
        Close(trial, HParamStatus.Success);
    }

    /// <inheritdoc />
    public override void OnTrialError(TrialInfo trial, Exception error, bool willRetry) =>
        Close(trial, willRetry ? null : HParamStatus.Failure);

    /// <inheritdoc />
    public override void OnExperimentEnd(ExperimentStatus status)
    {
        // Trials still paused or pending: no hyperparameters until they end, perhaps after a restore.
        foreach (OpenFile open in _open.Values)
            open.File.Dispose();
        _open.Clear();
    }

    /// <summary>Takes <paramref name="result"/>'s scalars into <see cref="_scalars"/>, and its step and tags as the trial's
    /// latest (what the hyperparameter record names).</summary>
    private void Remember(OpenFile open, IReadOnlyDictionary<string, object?> result)
    {
        _scalars.Clear();
        AddScalars(result, prefix: null);
        open.Step = Step(result);
        open.LastTags.Clear();
        foreach (var (tag, _) in _scalars)
            open.LastTags.Add(tag);
    }

    private void AddScalars(IReadOnlyDictionary<string, object?> result, string? prefix)
    {
        foreach (var (key, value) in result)
        {
            if (JsonValues.TryGetDouble(value, out double number))
            {
                if (!double.IsNaN(number) && !(prefix is null && LeftOut.Contains(key)))
                    _scalars.Add((Tag(prefix is null ? key : prefix + key), (float)number));
            }
            else if (value is IReadOnlyDictionary<string, object?> nested && !(prefix is null && LeftOut.Contains(key)))
                AddScalars(nested, prefix + key + "/");
        }
    }

    private string Tag(string key)
    {
        if (!_tags.TryGetValue(key, out string? tag))
            _tags[key] = tag = "ray/tune/" + key;
        return tag;
    }

    /// <summary>Closes the trial's file; with <paramref name="end"/>, the trial has ended for good and its hyperparameters
    /// are written first.</summary>
    private void Close(TrialInfo trial, HParamStatus? end)
    {
        if (!_open.Remove(trial.TrialId, out OpenFile? open))
            return;
        if (end is { } status && open.LastTags.Count > 0) // as Ray: none for a trial that never reported
        {
            foreach (ProtoMessage summary in Summaries.HParams(open.Config.Flatten().ToList(), open.LastTags, status))
                open.File.WriteSummary(_time.GetUtcNow(), open.Step, summary);
            open.File.Flush();
        }
        open.File.Dispose();
    }

    private static long Step(IReadOnlyDictionary<string, object?> result) =>
        ResultFields.TryGetDouble(result, "timesteps_total", out double timesteps) && timesteps != 0 ? (long)timesteps
        : ResultFields.TryGetDouble(result, ResultFields.TrainingIteration, out double iteration) ? (long)iteration : 0;

    /// <summary>A trial's event file since its start, and what its hyperparameter record needs.</summary>
    private sealed class OpenFile(EventFile file, Config config)
    {
        public EventFile File { get; } = file;
        public Config Config { get; } = config;
        public long Step { get; set; }
        /// <summary>The scalar tags of the last result: the metrics the HPARAMS tab shows.</summary>
        public List<string> LastTags { get; } = [];
    }
}
