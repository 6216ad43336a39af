namespace TuneSharp.Search;

/// <summary>
/// An integer parameter (Ray Tune's <c>Integer</c>): <c>randint</c> and <c>lograndint</c> exclude the upper
/// bound; their quantised forms <c>qrandint</c> and <c>qlograndint</c> include it, as Ray documents.
/// </summary>
public sealed class IntDomain : Domain
{
    internal IntDomain(NumericSampler sampler, long lower, long upper, long? q, double logBase = 10)
    {
        Sampler = sampler;
        Lower = lower;
        Upper = upper;
        Q = q;
        Base = logBase;
    }

    /// <summary><see cref="NumericSampler.Uniform"/> or <see cref="NumericSampler.LogUniform"/>.</summary>
    public NumericSampler Sampler { get; }
    /// <summary>Inclusive lower bound.</summary>
    public long Lower { get; }
    /// <summary>Upper bound: exclusive unless <see cref="Q"/> is set.</summary>
    public long Upper { get; }
    /// <summary>The quantum, or null. Quantised domains include <see cref="Upper"/>.</summary>
    public long? Q { get; }
    /// <summary>The logarithm's base for <see cref="NumericSampler.LogUniform"/>.</summary>
    public double Base { get; }
    /// <summary>The largest value a sample can take.</summary>
    public long MaxValue => Q is null ? Upper - 1 : Upper;

    /// <inheritdoc />
    public override object? Sample(Random random, Config resolved)
    {
        if (Q is not { } q)
        {
            return Sampler == NumericSampler.Uniform
                ? random.NextInt64(Lower, Upper)
                : Math.Clamp((long)Math.Floor(LogSample(random, Upper)), Lower, Upper - 1);
        }
        // Quantised: only the multiples of q in [lower, upper] can come out. Uniformly: each of them alike. On a log
        // scale: as Ray's Quantized, the range narrowed to the first and last multiple, then rounded (before, the log
        // mass below the first multiple was folded onto it: QLogRandInt(1, 1000, 100) gave 100 three times in four).
        long first = FirstMultipleFrom(Lower, q), last = LastMultipleTo(Upper, q);
        if (Sampler == NumericSampler.Uniform)
            return first + random.NextInt64(0, (last - first) / q + 1) * q;
        long value = (long)Math.Round(LogSample(random, first, last) / q, MidpointRounding.AwayFromZero) * q;
        return Math.Clamp(value, first, last);
    }

    private double LogSample(Random random, double upper) => LogSample(random, Lower, upper);

    private double LogSample(Random random, double lower, double upper)
    {
        double lo = Math.Log(lower, Base), hi = Math.Log(upper, Base);
        return Math.Pow(Base, lo + (hi - lo) * random.NextDouble());
    }

    /// <inheritdoc />
    public override void Validate(string path)
    {
        if (Q is { } q && q <= 0)
            throw Invalid(path, $"the quantum q = {q} of {this} must be positive", "Pass q >= 1.");
        if (Lower >= Upper)
            throw Invalid(path, $"lower bound {Lower} must be below upper bound {Upper} in {this}" +
                (Q is null ? " (the upper bound is exclusive)" : ""), "Swap or fix the bounds.");
        if (Sampler == NumericSampler.LogUniform && Lower <= 0)
            throw Invalid(path, $"the log-scale lower bound {Lower} of {this} must be at least 1", "Use a lower bound >= 1, or Tune.RandInt.");
        if (Sampler == NumericSampler.LogUniform && (!(Base > 0) || Base == 1))
            throw Invalid(path, $"the logarithm base {Base} of {this} must be positive and not 1", "Use base 10, 2 or Math.E.");
        if (Q is { } quantum && FirstMultipleFrom(Lower, quantum) > Upper)
            throw Invalid(path, $"no multiple of q = {quantum} lies in [{Lower}, {Upper}] for {this}", "Widen the range or reduce q.");
        if ((Q is null ? Upper - 1 : Upper) - Lower is < 0 or long.MaxValue) // overflowed, or more values than a long counts
            throw Invalid(path, $"the range of {this} is too wide to sample", "Narrow the bounds (a span below 2^63).");
    }

    // The smallest multiple of q at or above value (also for negative values, where % is negative).
    private static long FirstMultipleFrom(long value, long q) => value + (q - ((value % q) + q) % q) % q;

    // The largest multiple of q at or below value.
    private static long LastMultipleTo(long value, long q) => value - ((value % q) + q) % q;

    /// <inheritdoc />
    public override string ToString() => (Sampler, Q) switch
    {
        (NumericSampler.Uniform, null) => $"randint({Lower}, {Upper})",
        (NumericSampler.Uniform, _) => $"qrandint({Lower}, {Upper}, {Q})",
        (_, null) => $"lograndint({Lower}, {Upper}, base={Base})",
        _ => $"qlograndint({Lower}, {Upper}, {Q}, base={Base})",
    };
}
