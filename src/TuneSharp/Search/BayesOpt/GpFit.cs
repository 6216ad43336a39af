using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace TuneSharp.Search.BayesOpt;

/// <summary>
/// Fits the kernel's hyperparameters by maximising the log marginal likelihood plus weak log priors (type-II maximum
/// a posteriori, Rasmussen and Williams 2006, section 5.4.1) with MathNet's bounded BFGS, from the previous fit when
/// there is one (the optimum moves little between consecutive suggestions) and otherwise from the prior's centre.
/// The priors keep a fit on few points from collapsing onto tiny length scales or zero noise: Gamma(3, 6) on each
/// length scale (mean 0.5 of the unit range, BoTorch's long-standing default for low-dimensional problems), Gamma(2,
/// 0.15) on the signal variance and Gamma(1.1, 0.05) on the noise variance.
/// </summary>
internal static class GpFit
{
    private const double ScaleShape = 3, ScaleRate = 6;
    private const double SignalShape = 2, SignalRate = 0.15;
    private const double NoiseShape = 1.1, NoiseRate = 0.05;

    public static GpHyperparameters Fit(double[] features, int dimensions, double[] targets, GpHyperparameters start, int maxIterations)
    {
        int size = dimensions + 2;
        var lower = Vector<double>.Build.Dense(size, i => i < dimensions ? GpHyperparameters.MinLogScale : i == dimensions ? GpHyperparameters.MinLogSignal : GpHyperparameters.MinLogNoise);
        var upper = Vector<double>.Build.Dense(size, i => i < dimensions ? GpHyperparameters.MaxLogScale : i == dimensions ? GpHyperparameters.MaxLogSignal : GpHyperparameters.MaxLogNoise);
        var initial = Vector<double>.Build.DenseOfArray(start.ToVector());
        for (int i = 0; i < size; i++)
            initial[i] = Math.Clamp(initial[i], lower[i] + 1e-9, upper[i] - 1e-9);

        // BFGS-B throws when it runs out of iterations or its line search fails; the best point it evaluated is
        // still a better fit than the start, so it is kept rather than the exception.
        double bestValue = double.PositiveInfinity;
        double[] best = initial.ToArray();
        var objective = ObjectiveFunction.Gradient(theta =>
        {
            var (value, gradient) = NegativeLogPosterior(features, dimensions, targets, theta.ToArray());
            if (value < bestValue)
            {
                bestValue = value;
                best = theta.ToArray();
            }
            return (value, Vector<double>.Build.DenseOfArray(gradient));
        });
        try
        {
            new BfgsBMinimizer(1e-3, 1e-5, 1e-7, maxIterations).FindMinimum(objective, lower, upper, initial);
        }
        catch (Exception e) when (e is MaximumIterationsException or OptimizationException or ArgumentException)
        {
            // keep the best point seen
        }
        return GpHyperparameters.FromVector(best);
    }

    /// <summary>−(log marginal likelihood + log priors) and its gradient in the log hyperparameters:
    /// d log p(y)/dθ = ½ tr((αα^T − K⁻¹) dK/dθ) (Rasmussen and Williams 2006, eq. 5.9).</summary>
    internal static (double Value, double[] Gradient) NegativeLogPosterior(double[] features, int dimensions, double[] targets, double[] theta)
    {
        var hyper = GpHyperparameters.FromVector(theta);
        GaussianProcess gp;
        try
        {
            gp = new GaussianProcess(features, dimensions, targets, hyper);
        }
        catch (InvalidOperationException)
        {
            return (double.MaxValue, new double[theta.Length]); // singular even with jitter: a point the search should leave
        }
        int n = targets.Length;
        ReadOnlySpan<double> alpha = gp.Alpha, inverse = gp.Inverse;
        double[] inverseSquaredScales = hyper.InverseSquaredScales();
        double signal = hyper.SignalVariance;
        var gradient = new double[theta.Length];
        // W = αα^T − K⁻¹; every derivative is a sum over pairs of W_ij dK_ij/dθ.
        double traceSignal = 0, traceNoise = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> a = features.AsSpan(i * dimensions, dimensions);
            double wii = alpha[i] * alpha[i] - inverse[i * n + i];
            traceSignal += wii * signal;
            traceNoise += wii * hyper.NoiseVariance;
            for (int j = 0; j < i; j++)
            {
                ReadOnlySpan<double> b = features.AsSpan(j * dimensions, dimensions);
                double w = 2 * (alpha[i] * alpha[j] - inverse[i * n + j]); // both (i, j) and (j, i)
                double r = MaternKernel.Distance(a, b, inverseSquaredScales);
                traceSignal += w * signal * MaternKernel.Correlation(r);
                double factor = w * signal * MaternKernel.DerivativeFactor(r);
                for (int d = 0; d < dimensions; d++)
                {
                    double delta = a[d] - b[d];
                    gradient[d] += factor * delta * delta * inverseSquaredScales[d];
                }
            }
        }
        double value = gp.LogMarginalLikelihood;
        for (int d = 0; d < dimensions; d++)
        {
            gradient[d] *= 0.5;
            (double prior, double slope) = LogGammaInLogSpace(theta[d], ScaleShape, ScaleRate);
            value += prior;
            gradient[d] += slope;
        }
        (double signalPrior, double signalSlope) = LogGammaInLogSpace(theta[dimensions], SignalShape, SignalRate);
        (double noisePrior, double noiseSlope) = LogGammaInLogSpace(theta[dimensions + 1], NoiseShape, NoiseRate);
        value += signalPrior + noisePrior;
        gradient[dimensions] = 0.5 * traceSignal + signalSlope;
        gradient[dimensions + 1] = 0.5 * traceNoise + noiseSlope;
        for (int i = 0; i < gradient.Length; i++)
            gradient[i] = -gradient[i];
        return (-value, gradient);
    }

    // The log density of a Gamma(shape, rate) prior on v = e^t, as a density of t (with the Jacobian e^t), up to a
    // constant, and its derivative in t: shape·t − rate·e^t.
    private static (double Value, double Slope) LogGammaInLogSpace(double t, double shape, double rate) =>
        (shape * t - rate * Math.Exp(t), shape - rate * Math.Exp(t));
}
