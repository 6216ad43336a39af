using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace TuneSharp.Search.BayesOpt;

/// <summary>
/// A zero-mean Gaussian process on standardised targets with a Matérn 5/2 kernel and Gaussian noise, conditioned on
/// n feature rows (Rasmussen and Williams 2006, algorithm 2.1). The Cholesky factor comes from MathNet; the inverse
/// of K is kept because both the marginal likelihood's gradient and the posterior variance of many candidates need
/// it, and one n×n product per candidate is cheaper than a triangular solve per candidate.
/// </summary>
internal sealed class GaussianProcess
{
    private readonly double[] _features; // n × D, row-major
    private readonly double[] _alpha;    // K⁻¹ y
    private readonly double[] _inverse;  // K⁻¹, n × n (symmetric)
    private readonly double[] _inverseSquaredScales;

    public GaussianProcess(double[] features, int dimensions, double[] targets, GpHyperparameters hyperparameters)
    {
        Dimensions = dimensions;
        Count = targets.Length;
        Hyperparameters = hyperparameters;
        _features = features;
        _inverseSquaredScales = hyperparameters.InverseSquaredScales();
        var cholesky = FactorCovariance(features, dimensions, Count, hyperparameters, _inverseSquaredScales);
        Vector<double> alpha = cholesky.Solve(Vector<double>.Build.DenseOfArray(targets));
        _alpha = alpha.AsArray() ?? alpha.ToArray();
        _inverse = CholeskyInverse.Compute(cholesky.Factor.AsColumnMajorArray() ?? cholesky.Factor.ToColumnMajorArray(), Count);
        // log |K| = 2 Σ log L_ii, read off the factor's diagonal.
        double logDeterminant = cholesky.DeterminantLn;
        LogMarginalLikelihood = -0.5 * Dot(targets, _alpha) - 0.5 * logDeterminant - 0.5 * Count * Math.Log(2 * Math.PI);
    }

    public int Dimensions { get; }
    public int Count { get; }
    public GpHyperparameters Hyperparameters { get; }
    public double LogMarginalLikelihood { get; }
    internal ReadOnlySpan<double> Alpha => _alpha;
    internal ReadOnlySpan<double> Inverse => _inverse;

    /// <summary>
    /// K = s² R + (noise + jitter) I. Points closer than numerical precision make K singular; then the diagonal
    /// grows tenfold until the factorisation succeeds (the usual jitter remedy, e.g. GPy's jitchol).
    /// </summary>
    internal static Cholesky<double> FactorCovariance(double[] features, int dimensions, int n,
        GpHyperparameters theta, double[] inverseSquaredScales)
    {
        double signal = theta.SignalVariance, noise = theta.NoiseVariance;
        var k = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> a = features.AsSpan(i * dimensions, dimensions);
            k[i, i] = signal + noise;
            for (int j = 0; j < i; j++)
            {
                double value = signal * MaternKernel.Correlation(
                    MaternKernel.Distance(a, features.AsSpan(j * dimensions, dimensions), inverseSquaredScales));
                k[i, j] = value;
                k[j, i] = value;
            }
        }
        double jitter = 0;
        for (double extra = 1e-9 * signal; ; extra *= 10)
        {
            if (TryFactor(k) is { } cholesky)
                return cholesky;
            for (int i = 0; i < n; i++)
                k[i, i] += extra - jitter;
            jitter = extra;
            if (extra > signal)
                throw new InvalidOperationException("The Gaussian process covariance stayed singular after adding jitter.");
        }
    }

    private static Cholesky<double>? TryFactor(Matrix<double> k)
    {
        try
        {
            return k.Cholesky();
        }
        catch (ArgumentException)
        {
            return null; // MathNet reports a matrix that is not positive definite this way
        }
    }

    /// <summary>The posterior mean and variance of the latent function at <paramref name="z"/>, and the kernel
    /// vector and K⁻¹k it used (for gradients), written into <paramref name="k"/> and <paramref name="w"/>.</summary>
    public (double Mean, double Variance) Predict(ReadOnlySpan<double> z, Span<double> k, Span<double> w)
    {
        double signal = Hyperparameters.SignalVariance;
        for (int i = 0; i < Count; i++)
            k[i] = signal * MaternKernel.Correlation(MaternKernel.Distance(z, _features.AsSpan(i * Dimensions, Dimensions), _inverseSquaredScales));
        for (int i = 0; i < Count; i++)
            w[i] = Dot(_inverse.AsSpan(i * Count, Count), k);
        double mean = Dot(k, _alpha);
        double variance = Math.Max(signal - Dot(k, w), 1e-12 * signal);
        return (mean, variance);
    }

    /// <summary>
    /// The gradients of the posterior mean and variance at <paramref name="z"/> with respect to its features, given
    /// the <paramref name="k"/> and <paramref name="w"/> that <see cref="Predict"/> filled:
    /// dμ = Σ_i dk_i α_i, dσ² = −2 Σ_i dk_i w_i.
    /// </summary>
    public void Gradient(ReadOnlySpan<double> z, ReadOnlySpan<double> k, ReadOnlySpan<double> w, Span<double> dMean, Span<double> dVariance)
    {
        dMean.Clear();
        dVariance.Clear();
        double signal = Hyperparameters.SignalVariance;
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<double> row = _features.AsSpan(i * Dimensions, Dimensions);
            double factor = -signal * MaternKernel.DerivativeFactor(MaternKernel.Distance(z, row, _inverseSquaredScales));
            for (int d = 0; d < Dimensions; d++)
            {
                double dk = factor * (z[d] - row[d]) * _inverseSquaredScales[d];
                dMean[d] += dk * _alpha[i];
                dVariance[d] -= 2 * dk * w[i];
            }
        }
    }

    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = System.Numerics.Vector<double>.Zero;
        int width = System.Numerics.Vector<double>.Count, i = 0;
        for (; i <= a.Length - width; i += width)
            sum += new System.Numerics.Vector<double>(a[i..]) * new System.Numerics.Vector<double>(b[i..]);
        double total = System.Numerics.Vector.Sum(sum);
        for (; i < a.Length; i++)
            total += a[i] * b[i];
        return total;
    }
}
