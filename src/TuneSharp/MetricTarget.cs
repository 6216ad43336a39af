namespace TuneSharp;

/// <summary>
/// The metric and mode a searcher or scheduler works on: its own setting, else the experiment's. A component given a
/// metric or mode of its own that differs from <see cref="TuneConfig"/>'s is refused before any trial runs (Ray refuses
/// both being set at all): otherwise it would quietly optimise one thing while the results rank by another.
/// </summary>
/// <param name="Metric">The metric.</param>
/// <param name="Mode">The direction.</param>
/// <param name="Option">Where the metric was set, for errors: <c>TuneConfig.Metric</c> or <c>&lt;component&gt;.Metric</c>.</param>
internal readonly record struct MetricTarget(string Metric, Mode Mode, string Option)
{
    public static MetricTarget Resolve(string component, string? ownMetric, Mode? ownMode, string? experimentMetric, Mode? experimentMode)
    {
        if (ownMetric is not null && experimentMetric is not null && ownMetric != experimentMetric)
            throw new TuneException(
                $"{component}.Metric is '{ownMetric}' but TuneConfig.Metric is '{experimentMetric}'. Set the metric in one place: " +
                $"TuneConfig.Metric (which the searcher, the scheduler and the results share), or leave TuneConfig.Metric unset.");
        if (ownMode is not null && experimentMode is not null && ownMode != experimentMode)
            throw new TuneException(
                $"{component}.Mode is {ownMode} but TuneConfig.Mode is {experimentMode}. Set the mode in one place: TuneConfig.Mode, or leave it unset.");
        string metric = ownMetric ?? experimentMetric
            ?? throw new TuneException($"{component} needs a metric: set TuneConfig.Metric and TuneConfig.Mode, or {component}.Metric and {component}.Mode.");
        Mode mode = ownMode ?? experimentMode
            ?? throw new TuneException($"{component} works on '{metric}' but has no mode: set TuneConfig.Mode or {component}.Mode to Mode.Min or Mode.Max.");
        return new MetricTarget(metric, mode, ownMetric is not null ? $"{component}.Metric" : "TuneConfig.Metric");
    }

    /// <summary>The result key this target needs in every result.</summary>
    public RequiredResultKey Required => new(Metric, Option);
}

/// <summary>A key every result must hold, and the option that named it (for the error when one does not).</summary>
/// <param name="Key">The result key, e.g. <c>loss</c> or <c>val/loss</c>.</param>
/// <param name="Option">The option that named it, e.g. <c>TpeSearch.Metric</c> or <c>AsyncHyperBandScheduler.TimeAttr</c>.</param>
public readonly record struct RequiredResultKey(string Key, string Option);
