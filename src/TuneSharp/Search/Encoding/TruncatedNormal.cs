using MathNet.Numerics;

namespace TuneSharp.Search.Encoding;

/// <summary>
/// The standard normal's CDF and a Gaussian truncated to [low, high], the kernel of every numeric Parzen
/// estimator: Bergstra et al. 2011 (section 4) truncate each Gaussian to the parameter's range so no density
/// leaks outside it, as do Optuna and Watanabe 2023 (section 3).
/// </summary>
internal static class TruncatedNormal
{
    public const double LogSqrt2Pi = 0.91893853320467274178;
    private const double InvSqrt2 = 0.70710678118654752440;

    /// <summary>P(Z &lt;= z) for a standard normal Z, accurate in the lower tail.</summary>
    public static double Cdf(double z) => z switch
    {
        double.NegativeInfinity => 0.0,
        double.PositiveInfinity => 1.0,
        _ => 0.5 * Erfc.Of(-z * InvSqrt2),
    };

    /// <summary>P(a &lt;= Z &lt;= b) for a standard normal Z, without cancellation when both are in one tail.</summary>
    public static double Mass(double a, double b) => a > 0 ? Cdf(-a) - Cdf(-b) : Cdf(b) - Cdf(a);

    /// <summary>log P(low &lt;= X &lt;= high) for X ~ N(mu, sigma²): the truncation's normaliser.</summary>
    public static double LogNormaliser(double mu, double sigma, double low, double high)
    {
        double a = (low - mu) / sigma, b = (high - mu) / sigma;
        if (a > 0 || b < 0)
            return Math.Log(Math.Max(Mass(a, b), double.Epsilon));
        // The mean is inside the range (always so for observations and the prior): 1 minus the two tails, each
        // skipped past 6 standard deviations (a tail below 1e-9, so log densities move by less than 1e-9), which
        // saves most erfc calls: this runs for every kernel and dimension of every suggestion.
        double tails = (a < -6 ? 0 : Cdf(a)) + (b > 6 ? 0 : Cdf(-b));
        return tails == 0 ? 0 : Math.Log(1 - tails);
    }

    /// <summary>Inverse-CDF sampling of N(mu, sigma²) truncated to [low, high] from one uniform draw, so one
    /// kernel draw always costs exactly one random number (which keeps replay and save/restore simple).</summary>
    public static double Sample(double mu, double sigma, double low, double high, double u)
    {
        double a = (low - mu) / sigma, b = (high - mu) / sigma;
        // Work in the lower tail, where the CDF has full relative precision: mirror an interval above the mean.
        bool mirror = a > 0;
        if (mirror)
            (a, b, u) = (-b, -a, 1 - u);
        double pa = Cdf(a), pb = Cdf(b);
        double p = pa + u * (pb - pa);
        double z = p <= 0 ? a : p >= 1 ? b : -Math.Sqrt(2) * SpecialFunctions.ErfcInv(2 * p);
        z = Math.Clamp(z, a, b);
        if (mirror)
            z = -z;
        return Math.Clamp(mu + sigma * z, low, high);
    }
}
