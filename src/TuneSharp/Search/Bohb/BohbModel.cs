using TuneSharp.Search.Encoding;

namespace TuneSharp.Search.Bohb;

/// <summary>BOHB's hyperparameters as the model reads them (see <see cref="BohbSearch"/> for each).</summary>
internal sealed record BohbSettings(double TopNPercent, int NumSamples, double BandwidthFactor, double MinBandwidth, int MinPointsInModel);

/// <summary>
/// The model-based half of BOHB's sampling (Falkner et al. 2018, section 4 and Algorithm 2): pick the budget, split
/// its observations into good and bad, fit l and g, draw candidates from the widened l and keep the one with the
/// best ratio l(x)/g(x).
/// </summary>
internal static class BohbModel
{
    // hpbandster floors both densities at 1e-32 before taking g/l, so an empty region of g cannot win by overflow.
    private static readonly double LogFloor = Math.Log(1e-32);

    /// <summary>
    /// The largest budget b with |D_b| ≥ N_min + 2 observations, the budget BOHB models (Falkner et al. 2018,
    /// Algorithm 2: "b = arg max{D_b : |D_b| ≥ N_min + 2}"), or null when no budget has that many yet.
    /// </summary>
    public static double? ModelBudget(IReadOnlyDictionary<double, Observations> byBudget, int minPoints)
    {
        double? best = null;
        foreach (var (budget, observations) in byBudget)
            if (observations.Count >= minPoints + 2 && (best is null || budget > best))
                best = budget;
        return best;
    }

    /// <summary>
    /// The sizes of the good and bad sets for n observations (Falkner et al. 2018, equations 2 and 3):
    /// N_l = max(N_min, ⌊q·n⌋) best and N_g = max(N_min, n − N_l) worst. The paper takes the best and the worst, so
    /// while n &lt; 2·N_min the sets overlap in the middle; hpbandster instead takes the N_g after the good ones and
    /// builds no model until both sets exceed d points.
    /// </summary>
    public static (int Good, int Bad) Split(int n, double topNPercent, int minPoints)
    {
        int good = Math.Max(minPoints, (int)Math.Floor(topNPercent * n / 100.0));
        int bad = Math.Max(minPoints, n - good);
        return (Math.Min(good, n), Math.Min(bad, n));
    }

    /// <summary>Fits l (good) and g (bad) on <paramref name="observations"/> (in internal coordinates, sorted by loss).</summary>
    public static (BohbKde Good, BohbKde Bad) Fit(EncodedSpace space, Observations observations, BohbSettings settings)
    {
        int n = observations.Count;
        var (nGood, nBad) = Split(n, settings.TopNPercent, settings.MinPointsInModel);
        ReadOnlySpan<int> byLoss = observations.ByLoss;
        var good = new List<double[]>(nGood);
        var bad = new List<double[]>(nBad);
        for (int k = 0; k < nGood; k++)
            good.Add(UnitScale.ToUnit(space, observations.Row(byLoss[k])));
        for (int k = n - nBad; k < n; k++)
            bad.Add(UnitScale.ToUnit(space, observations.Row(byLoss[k])));
        return (new BohbKde(space, good, settings.MinBandwidth), new BohbKde(space, bad, settings.MinBandwidth));
    }

    /// <summary>
    /// Draws <c>NumSamples</c> candidates from l' (a random good observation's kernel, bandwidths × b_w) and returns the
    /// one with the largest l(x)/g(x), which maximises expected improvement (Bergstra et al. 2011; Falkner et al. 2018,
    /// section 4). Ties keep the earlier candidate. Returns internal coordinates.
    /// </summary>
    public static double[] Propose(EncodedSpace space, Observations observations, BohbSettings settings, SplitMix64 random)
    {
        var (good, bad) = Fit(space, observations, settings);
        double[]? best = null;
        double bestScore = double.NegativeInfinity;
        for (int i = 0; i < settings.NumSamples; i++)
        {
            int row = Math.Min((int)(random.NextDouble() * good.Count), good.Count - 1);
            double[] x = good.Sample(row, settings.BandwidthFactor, random);
            double score = Score(space, good, bad, x);
            if (best is null || score > bestScore)
            {
                best = x;
                bestScore = score;
            }
        }
        return best!;
    }

    /// <summary>log l(x) − log g(x), each floored at log 1e-32 (hpbandster's guard).</summary>
    public static double Score(EncodedSpace space, BohbKde good, BohbKde bad, ReadOnlySpan<double> x)
    {
        double[] u = UnitScale.ToUnit(space, x);
        return Math.Max(good.LogDensity(u), LogFloor) - Math.Max(bad.LogDensity(u), LogFloor);
    }
}
