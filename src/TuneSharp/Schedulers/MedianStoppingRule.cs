using System.Text.Json.Nodes;

namespace TuneSharp.Schedulers;

/// <summary>
/// The median stopping rule of Google Vizier (Golovin et al. 2017, §3.2.2), as Ray Tune's
/// <c>MedianStoppingRule</c>: a trial is stopped at time t when its best value so far is worse than the
/// median, over the other trials that reached t, of their running means up to t. As Ray's, it pauses a trial (which
/// then resumes from its checkpoint) while fewer than <see cref="MinSamplesRequired"/> others have reached t and
/// another trial is waiting to run.
/// </summary>
public sealed class MedianStoppingRule : ITrialScheduler
{
    private readonly Dictionary<string, List<(double Time, double Value)>> _results = new();
    private readonly Dictionary<string, double> _lastPause = new();
    private readonly HashSet<string> _stopped = new();
    private IExperimentView? _view;
    private string _metric = "";
    private double _sign = 1;

    /// <summary>The result field that measures progress. <value>The default value is <c>time_total_s</c>.</value></summary>
    public string TimeAttr { get; init; } = ResultFields.TimeTotalS;
    /// <summary>The metric; null takes <c>TuneConfig.Metric</c>. <value>The default value is null.</value></summary>
    public string? Metric { get; init; }
    /// <summary>The direction; null takes <c>TuneConfig.Mode</c>. <value>The default value is null.</value></summary>
    public Mode? Mode { get; init; }
    /// <summary>No trial is stopped before this time, and means count from it. <value>The default value is 60.</value></summary>
    public double GracePeriod { get; init; } = 60;
    /// <summary>Other trials needed to compute a median. <value>The default value is 3.</value></summary>
    public int MinSamplesRequired { get; init; } = 3;
    /// <summary>With too few samples, a trial yields to waiting ones after running at least this long.
    /// <value>The default value is 0.</value></summary>
    public double MinTimeSliceS { get; init; }
    /// <summary>Stop poor trials (true) or pause them to run last (false). <value>The default value is true.</value></summary>
    public bool HardStop { get; init; } = true;

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys { get; private set; } = [];

    /// <inheritdoc />
    public void Setup(string? metric, Mode? mode, int? seed)
    {
        MetricTarget target = MetricTarget.Resolve(nameof(MedianStoppingRule), Metric, Mode, metric, mode);
        (_metric, _sign) = (target.Metric, target.Mode.Sign());
        RequiredResultKeys = [target.Required, new(TimeAttr, $"{nameof(MedianStoppingRule)}.TimeAttr")];
        if (MinSamplesRequired < 1)
            throw new TuneException($"MedianStoppingRule.MinSamplesRequired is {MinSamplesRequired}; it must be at least 1.");
    }

    /// <inheritdoc />
    public void Attach(IExperimentView view) => _view = view;

    /// <inheritdoc />
    public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
    {
        if (!ResultFields.TryGetDouble(result, TimeAttr, out double time) || !ResultFields.TryGetDouble(result, _metric, out double value))
            return TrialDecision.Continue;
        if (_stopped.Contains(trial.TrialId))
            return TrialDecision.Continue; // a paused (soft-stopped) trial runs FIFO once resumed
        Record(trial.TrialId, time, value);
        if (time < GracePeriod)
            return TrialDecision.Continue;
        var others = _results.Where(kv => kv.Key != trial.TrialId && kv.Value[^1].Time >= time).Select(kv => kv.Value).ToList();
        if (others.Count < MinSamplesRequired)
            return YieldIfOthersWait(trial.TrialId, time);
        double median = MathNet.Numerics.Statistics.Statistics.Median(others.Select(r => RunningMean(r, time)));
        double best = _results[trial.TrialId].Max(r => _sign * r.Value);
        if (best >= _sign * median)
            return TrialDecision.Continue;
        _stopped.Add(trial.TrialId);
        return HardStop ? TrialDecision.Stop : TrialDecision.Pause;
    }

    /// <inheritdoc />
    public void OnTrialComplete(TrialInfo trial, IReadOnlyDictionary<string, object?>? result)
    {
        if (result is not null && ResultFields.TryGetDouble(result, TimeAttr, out double time) && ResultFields.TryGetDouble(result, _metric, out double value))
            Record(trial.TrialId, time, value);
    }

    private void Record(string trialId, double time, double value)
    {
        if (!_results.TryGetValue(trialId, out var list))
            _results[trialId] = list = new();
        if (list.Count == 0 || list[^1].Time != time)
            list.Add((time, value));
    }

    /// <summary>Mean of a trial's values between the grace period and <paramref name="time"/> (in the metric's own sign).</summary>
    private double RunningMean(List<(double Time, double Value)> results, double time)
    {
        var scoped = results.Where(r => r.Time >= GracePeriod && r.Time <= time).Select(r => r.Value).ToList();
        return scoped.Count == 0 ? double.NaN : scoped.Average();
    }

    // Ray: with too few samples, yield the resources to waiting trials once the time slice is used up.
    private TrialDecision YieldIfOthersWait(string trialId, double time)
    {
        bool sliceUsed = time - _lastPause.GetValueOrDefault(trialId, double.NegativeInfinity) > MinTimeSliceS;
        if (sliceUsed && _view is { WaitingCount: > 0 })
        {
            _lastPause[trialId] = time;
            return TrialDecision.Pause;
        }
        return TrialDecision.Continue;
    }

    /// <inheritdoc />
    public JsonObject SaveState() => new()
    {
        ["version"] = 1,
        ["results"] = new JsonObject(_results.Select(kv => KeyValuePair.Create(kv.Key,
            (JsonNode?)new JsonArray(kv.Value.Select(r => (JsonNode)new JsonArray(r.Time, r.Value)).ToArray())))),
        ["stopped"] = new JsonArray(_stopped.Select(id => (JsonNode)id!).ToArray()),
        ["last_pause"] = new JsonObject(_lastPause.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
    };

    /// <inheritdoc />
    public void RestoreState(JsonObject state)
    {
        if (state["version"]!.GetValue<int>() != 1)
            throw new TuneException($"MedianStoppingRule state has version {state["version"]}; this TuneSharp reads version 1.");
        _results.Clear();
        foreach (var (id, list) in state["results"]!.AsObject())
            _results[id] = list!.AsArray().Select(p => (JsonValues.ReadDouble(p![0]!), JsonValues.ReadDouble(p[1]!))).ToList();
        _stopped.Clear();
        foreach (JsonNode? id in state["stopped"]!.AsArray())
            _stopped.Add(id!.GetValue<string>());
        _lastPause.Clear();
        foreach (var (id, time) in state["last_pause"]!.AsObject())
            _lastPause[id] = JsonValues.ReadDouble(time!);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> StatusLines() => [$"Using MedianStoppingRule: num_stopped={_stopped.Count}."];
}
