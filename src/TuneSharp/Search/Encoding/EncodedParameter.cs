namespace TuneSharp.Search.Encoding;

/// <summary>How a model-based searcher models one primitive.</summary>
internal enum ParameterKind
{
    /// <summary>A real number in the internal (possibly logarithmic) coordinate.</summary>
    Continuous,
    /// <summary>A grid of values (integers, quantised floats): kernels are continuous, densities are the mass
    /// of the grid cell around a value (Optuna 3.x's treatment of stepped distributions).</summary>
    Discrete,
    /// <summary>An index into a list of categories.</summary>
    Categorical,
}

/// <summary>
/// One primitive of the space as the model-based searchers see it: a coordinate with bounds in an internal space where kernels are
/// Gaussian. Log-scale domains are modelled in the natural logarithm of the value, as hyperopt's
/// <c>loguniform</c> (Bergstra et al. 2011, section 4); the base of a Ray log domain only rescales that axis.
/// </summary>
internal sealed class EncodedParameter
{
    public required int Index { get; init; }
    /// <summary>The '/'-joined path of the value in the config.</summary>
    public required string ConfigPath { get; init; }
    /// <summary>Unique among parameters: the config path plus the category it is nested in, if any.</summary>
    public required string Key { get; init; }
    public required Domain Domain { get; init; }
    public required ParameterKind Kind { get; init; }
    /// <summary>The categorical parameter this one is nested in, or -1 when it is always active.</summary>
    public int Parent { get; init; } = -1;
    /// <summary>The category of <see cref="Parent"/> that activates this parameter.</summary>
    public int ParentChoice { get; init; }

    // Numeric: kernel truncation bounds in the internal coordinate (infinite for Tune.Randn).
    public double Low { get; init; }
    public double High { get; init; }
    /// <summary>The scale bandwidths are measured against (Optuna's high - low).</summary>
    public double Width { get; init; }
    public double PriorMu { get; init; }
    public double PriorSigma { get; init; }
    public bool Log { get; init; }
    public bool IsInteger { get; init; }
    /// <summary>Grid step in value space (0 for continuous) and the first and last grid values.</summary>
    public double Step { get; init; }
    public double GridLow { get; init; }
    public double GridHigh { get; init; }
    /// <summary>The exclusive upper bound of a continuous float (Ray's uniform excludes it).</summary>
    public double ExclusiveUpper { get; init; } = double.PositiveInfinity;
    /// <summary>The inclusive lower bound of a continuous float, in value space.</summary>
    public double ValueLow { get; init; } = double.NegativeInfinity;
    public bool IsNormalPrior { get; init; }

    // Categorical.
    public IReadOnlyList<object?> Categories { get; init; } = [];
    public bool[] SpaceLike { get; init; } = [];
    public int Choices => Categories.Count;

    public double ToInternal(double value) => Log ? Math.Log(value) : value;

    /// <summary>The value of an internal coordinate: on the grid for discrete parameters, inside the bounds.</summary>
    public double ToValue(double x)
    {
        double v = Log ? Math.Exp(x) : x;
        if (Kind == ParameterKind.Discrete)
        {
            double steps = Math.Round((v - GridLow) / Step, MidpointRounding.AwayFromZero);
            v = GridLow + steps * Step;
            if (!IsNormalPrior)
                v = Math.Clamp(v, GridLow, GridHigh);
            return IsInteger ? Math.Round(v) : Quantum.Round(v, Step);
        }
        if (IsNormalPrior)
            return v;
        v = Math.Max(v, ValueLow);
        return v >= ExclusiveUpper ? Math.BitDecrement(ExclusiveUpper) : v;
    }

    /// <summary>Where an internal coordinate lies in a bounded parameter's range: 0 at <see cref="Low"/>, 1 at
    /// <see cref="High"/>. The model-based searchers (GP-BO, CMA-ES, BOHB) work in these unit coordinates.</summary>
    public double ToUnit(double x) => (x - Low) / (High - Low);

    /// <summary>The internal coordinate at unit position <paramref name="u"/>, clamped to the range (not snapped).</summary>
    public double FromUnit(double u) => Low + Math.Clamp(u, 0, 1) * (High - Low);

    /// <summary>Snaps an internal coordinate onto the grid (discrete) or into the bounds (continuous).</summary>
    public double Snap(double x) => Kind == ParameterKind.Categorical ? x : ToInternal(ToValue(x));

    /// <summary>The grid cell of a discrete value, as internal-coordinate bounds clipped to the kernels' range.</summary>
    public (double Low, double High) Cell(double x)
    {
        double v = ToValue(x);
        double lo = ToInternal(v - 0.5 * Step), hi = ToInternal(v + 0.5 * Step);
        return (Math.Max(lo, Low), Math.Min(hi, High));
    }

    /// <summary>The config value of an internal coordinate.</summary>
    public object? ConfigValue(double x) => Kind switch
    {
        ParameterKind.Categorical => Categories[(int)x],
        _ when IsInteger => (long)ToValue(x),
        _ => ToValue(x),
    };

    /// <summary>A draw from the prior: uniform over the bounds, or the normal of <c>Tune.Randn</c>.</summary>
    public double SamplePrior(SplitMix64 random)
    {
        if (Kind == ParameterKind.Categorical)
            return Math.Min((int)(random.NextDouble() * Choices), Choices - 1);
        double x = IsNormalPrior
            ? TruncatedNormal.Sample(PriorMu, PriorSigma, Low, High, random.NextDouble())
            : Low + (High - Low) * random.NextDouble();
        return Snap(x);
    }
}
