namespace TuneSharp.Search;

/// <summary>
/// A real-valued parameter (Ray Tune's <c>Float</c>): <c>uniform</c>, <c>loguniform</c> or <c>randn</c>,
/// optionally quantised to multiples of <see cref="Q"/> (<c>quniform</c>, <c>qloguniform</c>, <c>qrandn</c>).
/// </summary>
public sealed class FloatDomain : Domain
{
    internal FloatDomain(NumericSampler sampler, double lower, double upper, double? q,
        double logBase = 10, double mean = 0, double stdDev = 1)
    {
        Sampler = sampler;
        Lower = lower;
        Upper = upper;
        Q = q;
        Base = logBase;
        Mean = mean;
        StdDev = stdDev;
    }

    /// <summary>How samples are spread.</summary>
    public NumericSampler Sampler { get; }
    /// <summary>Inclusive lower bound (unbounded for <see cref="NumericSampler.Normal"/>).</summary>
    public double Lower { get; }
    /// <summary>Upper bound: exclusive before quantisation, inclusive after (as Ray).</summary>
    public double Upper { get; }
    /// <summary>The quantum samples are rounded to, or null.</summary>
    public double? Q { get; }
    /// <summary>The logarithm's base for <see cref="NumericSampler.LogUniform"/>.</summary>
    public double Base { get; }
    /// <summary>Mean of <see cref="NumericSampler.Normal"/>.</summary>
    public double Mean { get; }
    /// <summary>Standard deviation of <see cref="NumericSampler.Normal"/>.</summary>
    public double StdDev { get; }

    /// <inheritdoc />
    public override object? Sample(Random random, Config resolved)
    {
        double value = Sampler switch
        {
            NumericSampler.Uniform => Lower + (Upper - Lower) * random.NextDouble(),
            NumericSampler.LogUniform => Math.Pow(Base,
                Math.Log(Lower, Base) + (Math.Log(Upper, Base) - Math.Log(Lower, Base)) * random.NextDouble()),
            _ => MathNet.Numerics.Distributions.Normal.Sample(random, Mean, StdDev),
        };
        if (Q is { } q)
        {
            value = Quantum.Round(value, q);
            if (Sampler != NumericSampler.Normal)
                value = Math.Clamp(value, Lower, Upper);
        }
        return value;
    }

    /// <inheritdoc />
    public override void Validate(string path)
    {
        if (Q is { } q && !(q > 0 && double.IsFinite(q)))
            throw Invalid(path, $"the quantum q = {q} of {this} must be a positive number", "Pass q > 0, e.g. 0.01.");
        if (Sampler == NumericSampler.Normal)
        {
            if (!(StdDev > 0 && double.IsFinite(StdDev)) || !double.IsFinite(Mean))
                throw Invalid(path, $"{this} needs a finite mean and a positive standard deviation (sd = {StdDev})", "Pass sd > 0.");
            return;
        }
        if (!double.IsFinite(Lower) || !double.IsFinite(Upper) || Lower >= Upper)
            throw Invalid(path, $"lower bound {Lower} must be below upper bound {Upper} in {this}", "Swap or fix the bounds.");
        if (Sampler == NumericSampler.LogUniform)
        {
            if (Lower <= 0)
                throw Invalid(path, $"the log-scale lower bound {Lower} of {this} must be greater than 0", "Use a positive lower bound such as 1e-6, or Tune.Uniform for ranges that include 0.");
            if (!(Base > 0) || Base == 1)
                throw Invalid(path, $"the logarithm base {Base} of {this} must be positive and not 1", "Use base 10, 2 or Math.E.");
        }
        if (Q is { } quantum && (!Quantum.IsMultiple(Lower, quantum) || !Quantum.IsMultiple(Upper, quantum)))
            throw Invalid(path, $"the bounds of {this} are not multiples of q = {quantum}", "Choose bounds divisible by q, as Ray Tune requires.");
    }

    /// <inheritdoc />
    public override string ToString() => (Sampler, Q) switch
    {
        (NumericSampler.Uniform, null) => $"uniform({Lower}, {Upper})",
        (NumericSampler.Uniform, _) => $"quniform({Lower}, {Upper}, {Q})",
        (NumericSampler.LogUniform, null) => $"loguniform({Lower}, {Upper}, base={Base})",
        (NumericSampler.LogUniform, _) => $"qloguniform({Lower}, {Upper}, {Q}, base={Base})",
        (_, null) => $"randn({Mean}, {StdDev})",
        _ => $"qrandn({Mean}, {StdDev}, {Q})",
    };
}
