using System.Text.Json.Nodes;

namespace TuneSharp.Stopping;

/// <summary>Stops a trial after it reported <see cref="MaxIterations"/> results (Ray's <c>MaximumIterationStopper</c>).</summary>
public sealed class MaximumIterationStopper(int maxIterations) : Stopper
{
    private readonly Dictionary<string, int> _counts = new();

    /// <summary>The number of results after which a trial stops.</summary>
    public int MaxIterations { get; } = maxIterations > 0 ? maxIterations
        : throw new TuneException($"MaximumIterationStopper: maxIterations is {maxIterations}; use a positive number.");

    /// <inheritdoc />
    public override bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result)
    {
        int count = _counts[trialId] = _counts.GetValueOrDefault(trialId) + 1;
        return count >= MaxIterations;
    }

    /// <inheritdoc />
    public override JsonObject? SaveState()
    {
        var counts = new JsonObject();
        foreach (var (id, count) in _counts)
            counts[id] = count;
        return new JsonObject { ["counts"] = counts };
    }

    /// <inheritdoc />
    public override void RestoreState(JsonObject state)
    {
        if (state["counts"] is JsonObject counts)
            foreach (var (id, count) in counts)
                _counts[id] = count!.GetValue<int>();
    }
}

/// <summary>
/// Stops a trial whose metric has plateaued (Ray's <c>TrialPlateauStopper</c>): after
/// <see cref="GracePeriod"/> results, when the standard deviation of the last <see cref="NumResults"/>
/// values is below <see cref="Std"/> (and the value has reached <see cref="MetricThreshold"/>, if set).
/// </summary>
public sealed class TrialPlateauStopper(string metric) : Stopper
{
    private readonly Dictionary<string, (Queue<double> Window, int Count)> _history = new();

    /// <summary>The metric watched.</summary>
    public string Metric { get; } = metric;
    /// <summary>Plateau when the window's standard deviation is below this. <value>The default value is 0.01.</value></summary>
    public double Std { get; init; } = 0.01;
    /// <summary>The window length. <value>The default value is 4.</value></summary>
    public int NumResults { get; init; } = 4;
    /// <summary>Results before the rule applies. <value>The default value is 4.</value></summary>
    public int GracePeriod { get; init; } = 4;
    /// <summary>Only stop when the metric is at least as good as this (by <see cref="Mode"/>, which must then be set).
    /// <value>The default value is null.</value></summary>
    public double? MetricThreshold { get; init; }
    /// <summary>Direction for <see cref="MetricThreshold"/>; required with it, as in Ray (a maximised metric read as
    /// minimised would stop exactly the trials that have not reached the threshold). <value>The default value is null.</value></summary>
    public Mode? Mode { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        if (!(Std >= 0))
            throw new TuneException($"TrialPlateauStopper.Std is {Std}; use a standard deviation of 0 or more (0.01 by default).");
        if (NumResults < 1)
            throw new TuneException($"TrialPlateauStopper.NumResults is {NumResults}; compare at least 1 result (4 by default).");
        if (GracePeriod < 0)
            throw new TuneException($"TrialPlateauStopper.GracePeriod is {GracePeriod}; use 0 or more results.");
        RequireModeWithThreshold();
    }

    private Mode RequireModeWithThreshold() => Mode ?? (MetricThreshold is null ? TuneSharp.Mode.Min
        : throw new TuneException($"TrialPlateauStopper.MetricThreshold is {MetricThreshold} but Mode is not set; set Mode = Mode.Min " +
            "(stop once the metric is at most the threshold) or Mode.Max (at least the threshold), as Ray requires."));

    /// <inheritdoc />
    public override IReadOnlyList<RequiredResultKey> RequiredResultKeys => [new(Metric, "RunConfig.Stop (TrialPlateauStopper)")];

    /// <inheritdoc />
    public override bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result)
    {
        if (!ResultFields.TryGetDouble(result, Metric, out double value))
            return false;
        var (window, count) = _history.TryGetValue(trialId, out var h) ? h : (new Queue<double>(), 0);
        window.Enqueue(value);
        if (window.Count > NumResults)
            window.Dequeue();
        _history[trialId] = (window, ++count);
        if (count < GracePeriod || window.Count < NumResults)
            return false;
        // As Ray: keep going only while the value is strictly worse than the threshold (reaching it counts).
        if (MetricThreshold is { } threshold && RequireModeWithThreshold().IsBetter(threshold, value))
            return false;
        return Statistics.StdDev(window) < Std;
    }

    /// <inheritdoc />
    public override JsonObject? SaveState()
    {
        var trials = new JsonObject();
        foreach (var (id, (window, count)) in _history)
            trials[id] = new JsonObject { ["window"] = new JsonArray(window.Select(v => (JsonNode?)v).ToArray()), ["count"] = count };
        return new JsonObject { ["trials"] = trials };
    }

    /// <inheritdoc />
    public override void RestoreState(JsonObject state)
    {
        if (state["trials"] is not JsonObject trials)
            return;
        foreach (var (id, node) in trials)
        {
            var window = new Queue<double>(node!["window"]!.AsArray().Select(v => JsonValues.ReadDouble(v!)).TakeLast(NumResults));
            _history[id] = (window, node["count"]!.GetValue<int>());
        }
    }
}

/// <summary>
/// Stops the experiment when the best <see cref="Top"/> values of a metric have plateaued
/// (Ray's <c>ExperimentPlateauStopper</c>): their standard deviation stays at most <see cref="Std"/>
/// for <see cref="Patience"/> more results.
/// </summary>
public sealed class ExperimentPlateauStopper(string metric) : Stopper
{
    private readonly List<double> _top = new();
    private int _iterations;

    /// <summary>The metric watched.</summary>
    public string Metric { get; } = metric;
    /// <summary>Plateau threshold on the standard deviation. <value>The default value is 0.001.</value></summary>
    public double Std { get; init; } = 0.001;
    /// <summary>How many best values are compared. <value>The default value is 10.</value></summary>
    public int Top { get; init; } = 10;
    /// <summary>Direction of the metric. <value>The default value is <see cref="TuneSharp.Mode.Min"/>.</value></summary>
    public Mode Mode { get; init; } = Mode.Min;
    /// <summary>Results to wait after the plateau is reached. <value>The default value is 0.</value></summary>
    public int Patience { get; init; }

    /// <inheritdoc />
    public override void Validate()
    {
        // As Ray's: with one value the deviation is always 0, so Top = 1 would end the experiment at its first result.
        if (Top <= 1)
            throw new TuneException($"ExperimentPlateauStopper.Top is {Top}; compare more than 1 best value (10 by default).");
        if (Patience < 0)
            throw new TuneException($"ExperimentPlateauStopper.Patience is {Patience}; use 0 or more results.");
        if (!(Std > 0))
            throw new TuneException($"ExperimentPlateauStopper.Std is {Std}; use a positive standard deviation (0.001 by default).");
    }

    /// <inheritdoc />
    public override IReadOnlyList<RequiredResultKey> RequiredResultKeys => [new(Metric, "RunConfig.Stop (ExperimentPlateauStopper)")];

    /// <inheritdoc />
    public override bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result)
    {
        if (ResultFields.TryGetDouble(result, Metric, out double value))
        {
            _top.Add(Mode.Sign() * value);
            _top.Sort();
            if (_top.Count > Top)
                _top.RemoveAt(0); // keep the best (largest signed) values
        }
        _iterations = HasPlateaued ? _iterations + 1 : 0;
        return ShouldStopAll();
    }

    private bool HasPlateaued => _top.Count == Top && Statistics.StdDev(_top) <= Std;

    /// <inheritdoc />
    public override bool ShouldStopAll() => HasPlateaued && _iterations >= Patience;

    /// <inheritdoc />
    public override JsonObject? SaveState() =>
        new() { ["top"] = new JsonArray(_top.Select(v => (JsonNode?)v).ToArray()), ["iterations"] = _iterations };

    /// <inheritdoc />
    public override void RestoreState(JsonObject state)
    {
        _top.Clear();
        _top.AddRange((state["top"]?.AsArray() ?? []).Select(v => JsonValues.ReadDouble(v!)).Order().TakeLast(Top));
        _iterations = state["iterations"]?.GetValue<int>() ?? 0;
    }
}

/// <summary>Stops the experiment after <see cref="Timeout"/> from its first result check (Ray's <c>TimeoutStopper</c>). A
/// restored experiment has what was left of it when its last snapshot was written, as in Ray (the time between is not counted).</summary>
public sealed class TimeoutStopper(TimeSpan timeout, TimeProvider? timeProvider = null) : Stopper
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private long? _start;
    private TimeSpan _usedBefore; // by the run a restore continues

    /// <summary>The time limit.</summary>
    public TimeSpan Timeout { get; } = timeout > TimeSpan.Zero ? timeout
        : throw new TuneException($"TimeoutStopper: timeout is {timeout}; use a positive duration.");

    /// <inheritdoc />
    public override bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result) => ShouldStopAll();

    /// <inheritdoc />
    public override bool ShouldStopAll()
    {
        _start ??= _time.GetTimestamp();
        return Used >= Timeout;
    }

    private TimeSpan Used => _usedBefore + (_start is { } start ? _time.GetElapsedTime(start) : TimeSpan.Zero);

    /// <inheritdoc />
    public override JsonObject? SaveState() => new() { ["used_s"] = Used.TotalSeconds };

    /// <inheritdoc />
    public override void RestoreState(JsonObject state)
    {
        _usedBefore = TimeSpan.FromSeconds(state["used_s"]?.GetValue<double>() ?? 0);
        _start = null; // the clock runs again from the restored experiment's first check (the restore's own, when it passes on results)
    }
}

/// <summary>Stops when any of its stoppers says so (Ray's <c>CombinedStopper</c>).</summary>
public sealed class CombinedStopper(params IStopper[] stoppers) : Stopper
{
    /// <summary>The combined stoppers.</summary>
    public IReadOnlyList<IStopper> Stoppers { get; } = stoppers;

    /// <inheritdoc />
    public override bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result)
    {
        bool stop = false;
        foreach (IStopper s in Stoppers)
            stop |= s.ShouldStopTrial(trialId, result); // all see the result, to keep their history
        return stop;
    }

    /// <inheritdoc />
    public override bool ShouldStopAll() => Stoppers.Any(s => s.ShouldStopAll());

    /// <inheritdoc />
    public override void Validate()
    {
        foreach (IStopper stopper in Stoppers)
            stopper.Validate();
    }

    /// <inheritdoc />
    public override IReadOnlyList<RequiredResultKey> RequiredResultKeys => Stoppers.SelectMany(s => s.RequiredResultKeys).ToList();

    /// <inheritdoc />
    public override JsonObject? SaveState() => SaveAll(Stoppers);

    /// <inheritdoc />
    public override void RestoreState(JsonObject state) => RestoreAll(Stoppers, state);
}

internal static class Statistics
{
    /// <summary>Population standard deviation, as numpy's <c>np.std</c> (which Ray's stoppers use).</summary>
    public static double StdDev(IEnumerable<double> values) =>
        values.Any() ? MathNet.Numerics.Statistics.Statistics.PopulationStandardDeviation(values) : 0;
}
