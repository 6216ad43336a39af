namespace TuneSharp.Search;

/// <summary>
/// A search-space primitive: a distribution a value is sampled from (Ray Tune's <c>Domain</c>).
/// Searchers read the concrete subclasses (<see cref="FloatDomain"/>, <see cref="IntDomain"/>,
/// <see cref="CategoricalDomain"/>, <see cref="FunctionDomain"/>) to build their own models.
/// </summary>
public abstract class Domain
{
    /// <summary>Draws one value. <paramref name="resolved"/> is the config resolved so far
    /// (only <see cref="FunctionDomain"/> reads it).</summary>
    public abstract object? Sample(Random random, Config resolved);

    /// <summary>Throws a <see cref="TuneException"/> naming <paramref name="path"/> when the domain is unusable.</summary>
    public abstract void Validate(string path);

    /// <summary>A short description for error messages and logs, e.g. <c>uniform(0.1, 0.9)</c>.</summary>
    public abstract override string ToString();

    private protected static TuneException Invalid(string path, string problem, string fix) =>
        new($"Search space parameter '{path}': {problem}. {fix}");
}

/// <summary>How a numeric domain spreads its samples.</summary>
public enum NumericSampler
{
    /// <summary>Uniform between the bounds.</summary>
    Uniform,
    /// <summary>Uniform in the logarithm of the value (<see cref="FloatDomain.Base"/> / <see cref="IntDomain.Base"/>).</summary>
    LogUniform,
    /// <summary>Normal with <see cref="FloatDomain.Mean"/> and <see cref="FloatDomain.StdDev"/> (floats only).</summary>
    Normal,
}

/// <summary>Rounding to multiples of a quantum without binary noise (0.30000000000000004 becomes 0.3).</summary>
internal static class Quantum
{
    public static double Round(double value, double q)
    {
        double steps = Math.Round(value / q, MidpointRounding.AwayFromZero);
        // Decimal arithmetic gives the exact decimal multiple, but only for a q decimal holds exactly (0.1 does; 1/3
        // and 1e-30 do not, and would come back as 0.333333333333333 or 0): otherwise, as Ray, steps * q.
        try
        {
            decimal exact = (decimal)q;
            if ((double)exact == q)
                return (double)((decimal)steps * exact);
        }
        catch (OverflowException)
        {
        }
        return steps * q;
    }

    public static bool IsMultiple(double value, double q)
    {
        double ratio = value / q;
        return Math.Abs(ratio - Math.Round(ratio)) < 1e-9 * Math.Max(1.0, Math.Abs(ratio));
    }
}
