namespace TuneSharp.Search.BayesOpt;

/// <summary>
/// The Yeo–Johnson power transform (Yeo and Johnson 2000) with λ chosen by maximum likelihood on a grid: a monotone
/// warp that makes skewed losses closer to Gaussian before the GP sees them, as HEBO does (Cowen-Rivers et al. 2022,
/// "HEBO: pushing the limits of sample-efficient hyper-parameter optimisation", section 4.1). Monotone, so the
/// best loss stays the best; it matters on objectives such as Rosenbrock, whose few huge losses would otherwise
/// flatten everything else to one value. Written by hand: no .NET library here ships the transform.
/// </summary>
internal static class YeoJohnson
{
    /// <summary>Warps standardised values with the λ in [−2, 2] (step 0.05) that maximises the transformed
    /// normal log-likelihood, and standardises the result.</summary>
    public static double[] Warp(double[] y)
    {
        double bestLambda = 1, bestLikelihood = double.NegativeInfinity;
        double logJacobianBase = y.Sum(v => Math.Sign(v) * Math.Log(Math.Abs(v) + 1));
        for (double lambda = -2; lambda <= 2.0001; lambda += 0.05)
        {
            double[] t = y.Select(v => Transform(v, lambda)).ToArray();
            double mean = t.Average();
            double variance = t.Sum(v => (v - mean) * (v - mean)) / t.Length;
            if (!(variance > 0) || !double.IsFinite(variance))
                continue;
            // Profile log-likelihood: −n/2 log σ̂² + (λ − 1) Σ sign(y) log(|y| + 1).
            double likelihood = -0.5 * t.Length * Math.Log(variance) + (lambda - 1) * logJacobianBase;
            if (likelihood > bestLikelihood)
                (bestLikelihood, bestLambda) = (likelihood, lambda);
        }
        double[] warped = y.Select(v => Transform(v, bestLambda)).ToArray();
        double m = warped.Average();
        double sd = Math.Sqrt(warped.Sum(v => (v - m) * (v - m)) / warped.Length);
        return warped.Select(v => sd > 0 ? (v - m) / sd : v - m).ToArray();
    }

    internal static double Transform(double y, double lambda)
    {
        if (y >= 0)
            return Math.Abs(lambda) < 1e-9 ? double.LogP1(y) : (Math.Pow(y + 1, lambda) - 1) / lambda;
        return Math.Abs(lambda - 2) < 1e-9 ? -double.LogP1(-y) : -(Math.Pow(1 - y, 2 - lambda) - 1) / (2 - lambda);
    }
}
