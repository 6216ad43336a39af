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
    /// <summary>Only stop when the metric is at least as good as this (by <see cref="Mode"/>). <value>The default value is null.</value></summary>
    public double? MetricThreshold { get; init; }
    /// <summary>Direction for <see cref="MetricThreshold"/>. <value>The default value is <see cref="TuneSharp.Mode.Min"/>.</value></summary>
    public Mode Mode { get; init; } = Mode.Min;

    /// <inheritdoc />
    public override void Validate()
    {
        if (!(Std >= 0))
            throw new TuneException($"TrialPlateauStopper.Std is {Std}; use a standard deviation of 0 or more (0.01 by default).");
        if (NumResults < 1)
            throw new TuneException($"TrialPlateauStopper.NumResults is {NumResults}; compare at least 1 result (4 by default).");
        if (GracePeriod < 0)
            throw new TuneException($"TrialPlateauStopper.GracePeriod is {GracePeriod}; use 0 or more results.");
    }

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
        if (MetricThreshold is { } threshold && Mode.IsBetter(threshold, value))
            return false;
        return Statistics.StdDev(window) < Std;
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
}

/// <summary>Stops the experiment after <see cref="Timeout"/> from its first result check (Ray's <c>TimeoutStopper</c>).</summary>
public sealed class TimeoutStopper(TimeSpan timeout, TimeProvider? timeProvider = null) : Stopper
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private long? _start;

    /// <summary>The time limit.</summary>
    public TimeSpan Timeout { get; } = timeout > TimeSpan.Zero ? timeout
        : throw new TuneException($"TimeoutStopper: timeout is {timeout}; use a positive duration.");

    /// <inheritdoc />
    public override bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result) => ShouldStopAll();

    /// <inheritdoc />
    public override bool ShouldStopAll()
    {
        _start ??= _time.GetTimestamp();
        return _time.GetElapsedTime(_start.Value) >= Timeout;
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
}

internal static class Statistics
{
    /// <summary>Population standard deviation, as numpy's <c>np.std</c> (which Ray's stoppers use).</summary>
    public static double StdDev(IEnumerable<double> values) =>
        values.Any() ? MathNet.Numerics.Statistics.Statistics.PopulationStandardDeviation(values) : 0;
}
