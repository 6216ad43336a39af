using TuneSharp.Reporting.TensorBoard;
using TuneSharp.Storage;

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
/// (also after a pause or a failure) opens a new file. Unlike Ray's, the hyperparameters are the whole config's numbers,
/// strings and booleans, and a failed trial's session is marked failed.
/// </remarks>
public sealed class TensorBoardLogger : TuneCallback
{
    private static readonly HashSet<string> LeftOut =
        ["config", "pid", ResultFields.Timestamp, ResultFields.TimeTotalS, ResultFields.TrainingIteration];

    private readonly TimeProvider _time;
    private readonly Dictionary<string, OpenFile> _open = new();

    /// <summary>A logger on the system clock.</summary>
    public TensorBoardLogger() : this(TimeProvider.System) { }

    /// <summary>A logger that stamps events with <paramref name="time"/>'s clock.</summary>
    public TensorBoardLogger(TimeProvider time) => _time = time;

    /// <inheritdoc />
    public override void OnTrialStart(TrialInfo trial)
    {
        Close(trial, end: null, writeHParams: false);
        _open[trial.TrialId] = new OpenFile(new EventFile(trial.Directory, _time.GetUtcNow()), trial.Config);
    }

    /// <inheritdoc />
    public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
    {
        if (!_open.TryGetValue(trial.TrialId, out OpenFile? open))
            OnTrialStart(trial);
        open ??= _open[trial.TrialId];
        var scalars = new List<(string, double)>();
        var flat = new List<KeyValuePair<string, object?>>(result.Count);
        ResultRecord.FlattenInto(result.Where(kv => !LeftOut.Contains(kv.Key)).ToDictionary(), flat);
        foreach (var (key, value) in flat)
            if (JsonValues.TryGetDouble(value, out double number) && !double.IsNaN(number))
                scalars.Add(("ray/tune/" + key, number));
        open.Step = Step(result);
        open.File.WriteSummary(_time.GetUtcNow(), open.Step, Summaries.Scalars(scalars));
        open.File.Flush();
        open.LastTags = scalars.Select(s => s.Item1).ToList();
    }

    /// <inheritdoc />
    public override void OnTrialComplete(TrialInfo trial) => Close(trial, HParamStatus.Success, writeHParams: true);

    /// <inheritdoc />
    public override void OnTrialError(TrialInfo trial, Exception error, bool willRetry) =>
        Close(trial, HParamStatus.Failure, writeHParams: true);

    /// <inheritdoc />
    public override void OnExperimentEnd(ExperimentStatus status)
    {
        // Trials still paused or pending when the experiment ends: their hyperparameters, with no end.
        foreach (OpenFile open in _open.Values)
        {
            WriteHParams(open, end: null);
            open.File.Dispose();
        }
        _open.Clear();
    }

    private void Close(TrialInfo trial, HParamStatus? end, bool writeHParams)
    {
        if (!_open.Remove(trial.TrialId, out OpenFile? open))
            return;
        if (writeHParams)
            WriteHParams(open, end);
        open.File.Dispose();
    }

    private void WriteHParams(OpenFile open, HParamStatus? end)
    {
        if (open.LastTags.Count == 0)
            return; // as Ray: no hyperparameters for a start that reported nothing
        foreach (ProtoMessage summary in Summaries.HParams(open.Config.Flatten().ToList(), open.LastTags, end))
            open.File.WriteSummary(_time.GetUtcNow(), open.Step, summary);
        open.File.Flush();
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
        public List<string> LastTags { get; set; } = [];
    }
}
