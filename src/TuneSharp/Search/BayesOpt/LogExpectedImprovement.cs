using TuneSharp.Search.Encoding;

namespace TuneSharp.Search.BayesOpt;

/// <summary>
/// The logarithm of expected improvement below the best loss so far (Jones et al. 1998; minimisation):
/// EI = σ h(z), h(z) = φ(z) + z Φ(z), z = (best − μ − ξ)/σ. Its logarithm keeps the acquisition informative where EI
/// itself underflows to zero, which is most of the space once a few hundred trials have been seen (Ament et al.
/// 2023, "Unexpected improvements to expected improvement for Bayesian optimization"). Beyond z = −25, where Φ(z) nears underflow,
/// h(z) is computed from its asymptotic series φ(z)/z² (1 − 3/z² + 15/z⁴ − 105/z⁶) instead of the cancelling difference.
/// </summary>
internal static class LogExpectedImprovement
{
    private const double TailStart = -25;
    private static readonly double LogSqrt2Pi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>log EI and its derivatives with respect to the posterior mean and standard deviation.</summary>
    public static (double Value, double DMean, double DSigma) Evaluate(double mean, double sigma, double best, double xi)
    {
        double z = (best - mean - xi) / sigma;
        (double logH, double ratio) = LogH(z); // ratio = h'(z)/h(z) = Φ(z)/h(z)
        double value = Math.Log(sigma) + logH;
        // d/dμ log EI = ratio · dz/dμ = −ratio/σ;  d/dσ log EI = 1/σ + ratio · (−z/σ).
        return (value, -ratio / sigma, (1 - ratio * z) / sigma);
    }

    /// <summary>log h(z) and Φ(z)/h(z).</summary>
    internal static (double LogH, double Ratio) LogH(double z)
    {
        double logPdf = -0.5 * z * z - LogSqrt2Pi;
        if (z > TailStart)
        {
            double pdf = Math.Exp(logPdf), cdf = 0.5 * Erfc.Of(-z / Math.Sqrt(2));
            double h = pdf + z * cdf;
            return (Math.Log(h), cdf / h);
        }
        // Mills-ratio series: Φ(z) = φ(z)/|z| (1 − 1/z² + 3/z⁴ − 15/z⁶ …), h(z) = φ(z)/z² (1 − 3/z² + 15/z⁴ − 105/z⁶ …).
        double u = 1 / (z * z);
        double hSeries = 1 - 3 * u + 15 * u * u - 105 * u * u * u;
        double cdfSeries = 1 - u + 3 * u * u - 15 * u * u * u;
        return (logPdf + Math.Log(u) + Math.Log(hSeries), -z * cdfSeries / hSeries);
    }
}
