using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using TuneSharp.Search.Encoding;

namespace TuneSharp.Search.BayesOpt;

/// <summary>
/// Maximises log expected improvement over the space by multi-start search: score random draws from the prior and
/// neighbours of the best observations (on the grid, so every scored point could run), then refine the best few
/// with MathNet's bounded BFGS on their numeric features, using the posterior's analytic gradient
/// (the scheme of Snoek et al. 2012 and of BoTorch's optimize_acqf: many cheap raw samples, few gradient restarts).
/// </summary>
internal sealed class AcquisitionSearch(GpFeatures features, GaussianProcess gp, double best, double xi)
{
    private readonly double[] _k = new double[gp.Count];
    private readonly double[] _w = new double[gp.Count];
    private readonly double[] _dMean = new double[features.Count];
    private readonly double[] _dVariance = new double[features.Count];
    private readonly double[] _z = new double[features.Count];

    /// <summary>The point to try next, never one in <paramref name="taken"/> (observed or running, as features).</summary>
    public double[] Maximise(IReadOnlyList<double[]> anchors, HashSet<string> taken, int randomCandidates, int localStarts, SplitMix64 random)
    {
        int parameters = features.Space.Parameters.Count;
        var candidates = new List<(double Score, double[] X)>(randomCandidates + anchors.Count * 16);
        var x = new double[parameters];
        for (int c = 0; c < randomCandidates; c++)
        {
            features.SamplePrior(random, x);
            candidates.Add((Score(x), (double[])x.Clone()));
        }
        // Neighbours of the best observations at the scale the GP resolves (half a length scale, within [0.01, 0.2]).
        double[] scales = gp.Hyperparameters.LogScales.Select(l => Math.Clamp(0.5 * Math.Exp(l), 0.01, 0.2)).ToArray();
        foreach (double[] anchor in anchors)
            for (int c = 0; c < 16; c++)
            {
                features.Perturb(anchor, scales, random, x);
                candidates.Add((Score(x), (double[])x.Clone()));
            }
        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));

        double[]? chosen = null;
        double chosenScore = double.NegativeInfinity;
        int starts = 0;
        foreach (var (score, start) in candidates)
        {
            if (taken.Contains(Key(start)))
                continue;
            if (chosen is null)
                (chosen, chosenScore) = (start, score); // the best untried candidate, refined or not
            if (starts == localStarts)
                break;
            starts++;
            double[] refined = Refine(start);
            double refinedScore = Score(refined);
            var (bestX, bestScore) = refinedScore > score && !taken.Contains(Key(refined)) ? (refined, refinedScore) : (start, score);
            if (bestScore > chosenScore)
                (chosen, chosenScore) = (bestX, bestScore);
        }
        // Every candidate repeats a trial (a small discrete space): a fresh draw from the prior is the honest next step.
        if (chosen is null)
        {
            chosen = new double[parameters];
            features.SamplePrior(random, chosen);
        }
        return chosen;
    }

    /// <summary>A key that identifies a point on the grid, for the duplicate check.</summary>
    public static string Key(ReadOnlySpan<double> x) => string.Join(",", x.ToArray().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    private double Score(ReadOnlySpan<double> x)
    {
        features.Encode(x, _z);
        var (mean, variance) = gp.Predict(_z, _k, _w);
        return LogExpectedImprovement.Evaluate(mean, Math.Sqrt(variance), best, xi).Value;
    }

    // Bounded BFGS on the active numeric features of a start point in the unit box; categoricals stay as they are.
    private double[] Refine(double[] start)
    {
        var movable = new List<int>();
        for (int p = 0; p < start.Length; p++)
            if (features.IsMovable(p, start))
                movable.Add(p);
        if (movable.Count == 0)
            return start;
        var baseZ = new double[features.Count];
        features.Encode(start, baseZ);
        var initial = Vector<double>.Build.Dense(movable.Count, i => Math.Clamp(baseZ[features.Offset(movable[i])], 1e-9, 1 - 1e-9));
        double bestValue = double.PositiveInfinity;
        double[] bestU = initial.ToArray();
        var objective = ObjectiveFunction.Gradient(u =>
        {
            var z = (double[])baseZ.Clone();
            for (int i = 0; i < movable.Count; i++)
                z[features.Offset(movable[i])] = u[i];
            var (mean, variance) = gp.Predict(z, _k, _w);
            double sigma = Math.Sqrt(variance);
            var (value, dMean, dSigma) = LogExpectedImprovement.Evaluate(mean, sigma, best, xi);
            gp.Gradient(z, _k, _w, _dMean, _dVariance);
            var gradient = Vector<double>.Build.Dense(movable.Count, i =>
            {
                int f = features.Offset(movable[i]);
                return -(dMean * _dMean[f] + dSigma * _dVariance[f] / (2 * sigma));
            });
            if (-value < bestValue)
            {
                bestValue = -value;
                bestU = u.ToArray();
            }
            return (-value, gradient);
        });
        try
        {
            new BfgsBMinimizer(1e-6, 1e-6, 1e-9, 30).FindMinimum(objective,
                Vector<double>.Build.Dense(movable.Count, 0.0), Vector<double>.Build.Dense(movable.Count, 1.0), initial);
        }
        catch (Exception e) when (e is MaximumIterationsException or OptimizationException or ArgumentException)
        {
            // keep the best point evaluated
        }
        var refined = (double[])start.Clone();
        for (int i = 0; i < movable.Count; i++)
            refined[movable[i]] = GpFeatures.FromUnit(features.Space.Parameters[movable[i]], bestU[i]);
        return refined;
    }
}
