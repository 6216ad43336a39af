namespace TuneSharp;

/// <summary>
/// Values a trial reports (Ray Tune's result dict): metric names to numbers, strings, booleans or
/// nested dictionaries. TuneSharp adds Ray's automatic fields (<see cref="ResultFields"/>) to every report.
/// </summary>
public sealed class Metrics : Dictionary<string, object?>
{
    /// <summary>An empty set of metrics.</summary>
    public Metrics() { }

    /// <summary>A copy of <paramref name="values"/>.</summary>
    public Metrics(IEnumerable<KeyValuePair<string, object?>> values) : base(values) { }

    /// <summary>The value of <paramref name="key"/> as a double, if it is numeric.</summary>
    public bool TryGetDouble(string key, out double value) => ResultFields.TryGetDouble(this, key, out value);
}

/// <summary>Names of the fields TuneSharp adds to every result, as Ray Tune names them.</summary>
public static class ResultFields
{
    /// <summary>1 for the first report of a trial, then increasing by one per report.</summary>
    public const string TrainingIteration = "training_iteration";
    /// <summary>Seconds this iteration took: for a function trainable, since the previous report (or the start of this
    /// run); for a class trainable, the time <see cref="Trainable.Step"/> took. A numeric value the trainable reports
    /// under this key is taken instead and summed into <see cref="TimeTotalS"/>, as in Ray.</summary>
    public const string TimeThisIterS = "time_this_iter_s";
    /// <summary>Seconds of training summed across restarts.</summary>
    public const string TimeTotalS = "time_total_s";
    /// <summary>Seconds since the trial last (re)started.</summary>
    public const string TimeSinceRestore = "time_since_restore";
    /// <summary>Unix time of the report, in whole seconds.</summary>
    public const string Timestamp = "timestamp";
    /// <summary>Local time of the report, <c>YYYY-MM-DD_HH-MM-SS</c>.</summary>
    public const string Date = "date";
    /// <summary>The trial's id.</summary>
    public const string TrialId = "trial_id";
    /// <summary>Reports since the trial last (re)started.</summary>
    public const string IterationsSinceRestore = "iterations_since_restore";
    /// <summary>Whether this is the trial's last result.</summary>
    public const string Done = "done";
    /// <summary>Class API: a step that returns this key set to true is checkpointed with its result, whatever
    /// <c>CheckpointConfig.CheckpointFrequency</c> says (Ray's <c>should_checkpoint</c>). Not filled in automatically.</summary>
    public const string ShouldCheckpoint = "should_checkpoint";
    /// <summary>The checkpoint folder saved with this result, or null.</summary>
    public const string CheckpointDirName = "checkpoint_dir_name";
    /// <summary>The trial's resolved config.</summary>
    public const string Config = "config";
    /// <summary>The process id that ran the trial.</summary>
    public const string Pid = "pid";
    /// <summary>The host that ran the trial.</summary>
    public const string Hostname = "hostname";
    /// <summary>The IP address of that host.</summary>
    public const string NodeIp = "node_ip";

    /// <summary>The automatic fields that every result carries.</summary>
    public static IReadOnlySet<string> Automatic { get; } = new HashSet<string>
    {
        TrainingIteration, TimeThisIterS, TimeTotalS, TimeSinceRestore, Timestamp, Date, TrialId,
        IterationsSinceRestore, Done, CheckpointDirName, Config, Pid, Hostname, NodeIp,
    };

    /// <summary>A result value as a double, when it is numeric (nested keys may be '/'-joined).</summary>
    public static bool TryGetDouble(IReadOnlyDictionary<string, object?> result, string key, out double value)
    {
        if (result.TryGetValue(key, out object? raw))
            return JsonValues.TryGetDouble(raw, out value);
        int slash = key.IndexOf('/');
        if (slash > 0 && result.TryGetValue(key[..slash], out object? nested) && nested is IReadOnlyDictionary<string, object?> inner)
            return TryGetDouble(inner, key[(slash + 1)..], out value);
        value = double.NaN;
        return false;
    }
}
