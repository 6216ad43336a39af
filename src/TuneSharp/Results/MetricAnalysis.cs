namespace TuneSharp.Results;

/// <summary>Which of a trial's values of a metric to compare (Ray's <c>scope</c> of <c>get_best_result</c>).</summary>
public enum MetricScope
{
    /// <summary>The last reported value.</summary>
    Last,
    /// <summary>The mean of all values.</summary>
    Avg,
    /// <summary>The mean of the last 5 values.</summary>
    Last5Avg,
    /// <summary>The mean of the last 10 values.</summary>
    Last10Avg,
    /// <summary>The best value reported at any iteration.</summary>
    All,
}

/// <summary>
/// Running summaries of every numeric metric of one trial (Ray's <c>metric_analysis</c>): constant memory
/// per metric, so finished trials cost only their summaries.
/// </summary>
public sealed class MetricAnalysis
{
    private readonly Dictionary<string, Summary> _metrics = new();

    internal void Add(IReadOnlyDictionary<string, object?> result) => Add(result, prefix: null);

    /// <summary>Nested metrics are summarised under their flattened names (<c>val/loss</c>), as Ray flattens a result
    /// before its analysis, so that every name a metric can be given elsewhere works here too.</summary>
    private void Add(IReadOnlyDictionary<string, object?> result, string? prefix)
    {
        foreach (var (key, value) in result)
        {
            // Numbers first: they are nearly every entry, and this runs for every result.
            if (!JsonValues.TryGetDouble(value, out double number))
            {
                if (value is IReadOnlyDictionary<string, object?> nested && !(prefix is null && key == ResultFields.Config))
                    Add(nested, prefix + key + "/");
                continue;
            }
            if (value is bool)
                continue;
            string name = prefix is null ? key : prefix + key;
            if (!_metrics.TryGetValue(name, out Summary? summary))
                _metrics[name] = summary = new Summary();
            summary.Add(number);
        }
    }

    /// <summary>The metric's value under <paramref name="scope"/> (for <see cref="MetricScope.All"/>, the best by
    /// <paramref name="mode"/>), or null when the trial never reported it.</summary>
    public double? Get(string metric, MetricScope scope, Mode mode)
    {
        if (!_metrics.TryGetValue(metric, out Summary? s))
            return null;
        return scope switch
        {
            MetricScope.Last => s.Last,
            MetricScope.Avg => s.Sum / s.Count,
            MetricScope.Last5Avg => s.Window.TakeLast(5).Average(),
            MetricScope.Last10Avg => s.Window.Average(),
            _ => s.Ordered == 0 ? double.NaN : mode == Mode.Max ? s.Max : s.Min,
        };
    }

    /// <summary>The metrics summarised.</summary>
    public IEnumerable<string> MetricNames => _metrics.Keys;

    private sealed class Summary
    {
        public double Last, Sum, Min = double.PositiveInfinity, Max = double.NegativeInfinity;
        public long Count;
        /// <summary>How many values were not NaN: Min and Max skip NaN (Math.Min and Math.Max would keep it for good,
        /// where Ray's Python min and max go on to later values), and are NaN only when every value was.</summary>
        public long Ordered;
        public readonly Queue<double> Window = new(10);

        public void Add(double value)
        {
            Last = value;
            Sum += value;
            Count++;
            if (!double.IsNaN(value))
            {
                Ordered++;
                Min = Math.Min(Min, value);
                Max = Math.Max(Max, value);
            }
            if (Window.Count == 10) Window.Dequeue();
            Window.Enqueue(value);
        }
    }
}
