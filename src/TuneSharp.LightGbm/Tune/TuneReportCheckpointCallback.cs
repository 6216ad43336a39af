namespace TuneSharp.LightGbm;

/// <summary>
/// Reports LightGBM's evaluation results to Tune after every boosting round, with the model as a checkpoint
/// every <c>frequency</c> rounds and at the end (Ray's <c>ray.tune.integration.lightgbm.TuneReportCheckpointCallback</c>).
/// Metrics are named <c>&lt;data name&gt;-&lt;metric&gt;</c>, e.g. <c>eval-binary_error</c>, so that a scheduler can
/// stop a poor trial after any round.
/// </summary>
/// <remarks>
/// Reporting is synchronous: the call returns once Tune has stored the result, and throws
/// <see cref="TrialStoppedException"/> when the scheduler stops the trial, which ends
/// <see cref="LightGbm.Train"/>. To continue a restored trial, pass <see cref="LoadModel"/> of
/// <see cref="TrialContext.GetCheckpoint"/> as Train's <c>initModel</c>.
/// </remarks>
public sealed class TuneReportCheckpointCallback : ITrainingCallback
{
    private readonly TrialContext _trial;
    private readonly IReadOnlyList<string>? _metrics;
    private readonly int _frequency;
    private readonly bool _checkpointAtEnd;
    private readonly string _filename;

    /// <summary>A callback reporting to <paramref name="trial"/>.</summary>
    /// <param name="trial">The running trial.</param>
    /// <param name="metrics">The metrics to report, as <c>&lt;data name&gt;-&lt;metric&gt;</c>; null reports all.</param>
    /// <param name="frequency">Checkpoint the model every this many rounds; 0 only at the end. Results are reported every round.</param>
    /// <param name="checkpointAtEnd">Checkpoint after the last round.</param>
    /// <param name="filename">The model file's name in the checkpoint folder.</param>
    public TuneReportCheckpointCallback(TrialContext trial, IReadOnlyList<string>? metrics = null, int frequency = 0,
        bool checkpointAtEnd = true, string filename = DefaultFilename)
    {
        ArgumentNullException.ThrowIfNull(trial);
        ArgumentOutOfRangeException.ThrowIfNegative(frequency);
        ArgumentException.ThrowIfNullOrWhiteSpace(filename);
        if (filename.IndexOfAny(['/', '\\']) >= 0)
            throw new ArgumentException($"filename '{filename}' must be a plain file name, without folders.", nameof(filename));
        _trial = trial;
        _metrics = metrics;
        _frequency = frequency;
        _checkpointAtEnd = checkpointAtEnd;
        _filename = filename;
    }

    /// <summary>The model file's default name (Ray's LightGBM integration uses the same).</summary>
    public const string DefaultFilename = "model.txt";

    /// <summary>Loads the model saved in <paramref name="checkpoint"/> by this callback.</summary>
    /// <exception cref="FileNotFoundException">The checkpoint holds no such file.</exception>
    public static Booster LoadModel(Checkpoint checkpoint, string filename = DefaultFilename)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return checkpoint.Read(dir =>
        {
            string path = Path.Combine(dir, filename);
            if (!File.Exists(path))
                throw new FileNotFoundException($"The checkpoint {dir} holds no LightGBM model '{filename}'.", path);
            return Booster.FromFile(path);
        });
    }

    /// <inheritdoc />
    public void AfterIteration(TrainingRound round)
    {
        var all = round.EvaluationResults.ToDictionary(r => $"{r.DataName}-{r.MetricName}", r => r.Value);
        var metrics = new Metrics();
        foreach (string name in _metrics ?? (IEnumerable<string>)all.Keys)
            metrics[name] = all.TryGetValue(name, out double value) ? value
                : throw new InvalidOperationException(
                    $"TuneReportCheckpointCallback: LightGBM evaluated no metric '{name}'. It evaluated: {string.Join(", ", all.Keys)}. " +
                    "Check the metric names and the validation set names passed to LightGbm.Train.");

        bool checkpoint = (round.IsLast && _checkpointAtEnd) || (_frequency > 0 && (round.Iteration + 1) % _frequency == 0);
        Booster model = round.Model;
        _trial.Report(metrics, checkpoint ? Checkpoint.FromDirectory(dir => model.SaveToFile(Path.Combine(dir, _filename))) : null);
    }
}
