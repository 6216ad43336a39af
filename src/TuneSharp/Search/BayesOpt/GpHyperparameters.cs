namespace TuneSharp.Search.BayesOpt;

/// <summary>
/// The kernel's hyperparameters in log space, the coordinates they are fitted in: one log length scale per feature,
/// the log signal variance s² and the log noise variance (targets are standardised, so both are relative to 1).
/// </summary>
internal sealed record GpHyperparameters(double[] LogScales, double LogSignal, double LogNoise)
{
    // Bounds of the fit, in the unit cube of the features: shorter than 1/200 of a range cannot be resolved by a few
    // hundred trials, longer than 50 ranges is a flat direction; noise from a deterministic 1e-6 to pure noise.
    public const double MinLogScale = -5.3, MaxLogScale = 3.9;
    public const double MinLogSignal = -4.6, MaxLogSignal = 4.6;
    public const double MinLogNoise = -13.8, MaxLogNoise = 0;

    public double SignalVariance => Math.Exp(LogSignal);
    public double NoiseVariance => Math.Exp(LogNoise);

    /// <summary>Where a fit starts without an earlier one: length scale 0.5 (the prior's mean), unit signal, small noise.</summary>
    public static GpHyperparameters Initial(int dimensions) => new(Enumerable.Repeat(Math.Log(0.5), dimensions).ToArray(), 0, Math.Log(1e-4));

    public double[] InverseSquaredScales() => LogScales.Select(l => Math.Exp(-2 * l)).ToArray();

    /// <summary>The hyperparameters as one vector: log scales, log signal, log noise.</summary>
    public double[] ToVector() => [.. LogScales, LogSignal, LogNoise];

    public static GpHyperparameters FromVector(ReadOnlySpan<double> v) => new(v[..^2].ToArray(), v[^2], v[^1]);
}
