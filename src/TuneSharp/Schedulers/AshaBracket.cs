using System.Globalization;
using System.Text.Json.Nodes;
using MathNet.Numerics.Statistics;

namespace TuneSharp.Schedulers;

/// <summary>
/// One ASHA bracket: rungs at GracePeriod × η^(k+s), highest first, each recording the (sign-adjusted,
/// so always maximised) metric of the trials that reached it.
/// </summary>
internal sealed class AshaBracket
{
    private readonly double _reductionFactor;
    private readonly bool _stopLastTrials;

    public AshaBracket(double minT, double maxT, double reductionFactor, int s, bool stopLastTrials)
    {
        _reductionFactor = reductionFactor;
        _stopLastTrials = stopLastTrials;
        // Ray: int(log(max_t / min_t) / log(rf) - s + 1) rungs. The epsilon is a deliberate difference: where the
        // logarithms' quotient of an exact power comes out just below a whole number (243 with η 3 gives 4.999…,
        // 1000 with η 10 gives 2.999…), Ray loses the rung at max_t; here it stays.
        int count = (int)Math.Floor(Math.Log(maxT / minT) / Math.Log(reductionFactor) - s + 1 + 1e-9);
        Rungs = Enumerable.Range(0, Math.Max(0, count)).Reverse()
            .Select(k => new Rung(minT * Math.Pow(reductionFactor, k + s)))
            .ToList();
    }

    public IReadOnlyList<Rung> Rungs { get; }

    /// <summary>Records a result at the first rung it newly reached; returns false when the trial should stop.</summary>
    public bool OnResult(string trialId, double time, double signedValue)
    {
        foreach (Rung rung in Rungs)
        {
            bool recorded = rung.Recorded.ContainsKey(trialId);
            // Without StopLastTrials a trial past a rung it is recorded at was already let through.
            if (time >= rung.Milestone && recorded && !_stopLastTrials)
                break;
            if (time < rung.Milestone || recorded)
                continue;
            double? cutoff = Cutoff(rung);
            bool keep = !(cutoff is { } c && signedValue < c);
            // A NaN is recorded too (Cutoff skips it, as numpy's nanpercentile), so the trial is decided at this rung
            // once, as in Ray, rather than judged again on every later result.
            rung.Recorded[trialId] = signedValue;
            return keep;
        }
        return true;
    }

    /// <summary>The value a trial must reach to pass: the (1 - 1/η) quantile of the rung, interpolated
    /// linearly as numpy's <c>nanpercentile</c> (R type 7).</summary>
    public double? Cutoff(Rung rung)
    {
        var values = rung.Recorded.Values.Where(v => !double.IsNaN(v)).ToArray();
        if (values.Length == 0)
            return null;
        return values.QuantileCustom(1 - 1 / _reductionFactor, QuantileDefinition.R7);
    }

    public string Describe() =>
        "Bracket: " + string.Join(" | ", Rungs.Where(r => r.Recorded.Count > 0)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"Iter {r.Milestone:0.000}: {Cutoff(r)?.ToString("G6", CultureInfo.InvariantCulture) ?? "None"}")));

    public JsonArray SaveState() => new(Rungs.Select(r =>
        (JsonNode)new JsonObject(r.Recorded.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)))).ToArray());

    public void RestoreState(JsonArray rungs)
    {
        for (int i = 0; i < Rungs.Count && i < rungs.Count; i++)
        {
            Rungs[i].Recorded.Clear();
            foreach (var (id, value) in rungs[i]!.AsObject())
                Rungs[i].Recorded[id] = JsonValues.ReadDouble(value!);
        }
    }

    public sealed class Rung(double milestone)
    {
        public double Milestone { get; } = milestone;
        public Dictionary<string, double> Recorded { get; } = new();
    }
}
