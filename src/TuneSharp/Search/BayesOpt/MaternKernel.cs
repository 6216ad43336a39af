namespace TuneSharp.Search.BayesOpt;

/// <summary>
/// The ARD Matérn 5/2 kernel (Rasmussen and Williams 2006, eq. 4.17) with one length scale per feature:
/// k(a, b) = s² (1 + √5 r + 5r²/3) exp(−√5 r), r² = Σ_d (a_d − b_d)² / ℓ_d². Twice differentiable, so the
/// posterior is smooth enough for gradient-based acquisition search yet not as over-smooth as the squared
/// exponential (Snoek et al. 2012, "Practical Bayesian optimization of machine learning algorithms", section 3.1).
/// </summary>
internal static class MaternKernel
{
    private static readonly double Sqrt5 = Math.Sqrt(5);

    /// <summary>The scaled distance r between two feature vectors, given the inverse squared length scales.</summary>
    public static double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> inverseSquaredScales)
    {
        double sum = 0;
        for (int d = 0; d < a.Length; d++)
        {
            double delta = a[d] - b[d];
            sum += delta * delta * inverseSquaredScales[d];
        }
        return Math.Sqrt(sum);
    }

    /// <summary>k(r) / s², the kernel's correlation at scaled distance r.</summary>
    public static double Correlation(double r)
    {
        double sr = Sqrt5 * r;
        return (1 + sr + sr * sr / 3) * Math.Exp(-sr);
    }

    /// <summary>
    /// −(dk/dr) / (r s²) = (5/3)(1 + √5 r) exp(−√5 r): the common factor of every derivative of k, finite at r = 0.
    /// dk/da_d = −s² · this · (a_d − b_d)/ℓ_d² and dk/dlog ℓ_d = s² · this · (a_d − b_d)²/ℓ_d².
    /// </summary>
    public static double DerivativeFactor(double r)
    {
        double sr = Sqrt5 * r;
        return 5.0 / 3.0 * (1 + sr) * Math.Exp(-sr);
    }
}
