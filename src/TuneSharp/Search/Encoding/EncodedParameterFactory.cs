namespace TuneSharp.Search.Encoding;

/// <summary>Turns Ray-style domains into <see cref="EncodedParameter"/>s, and preset values into internal coordinates.</summary>
internal static class EncodedParameterFactory
{
    // Internal coordinates are doubles: integers beyond 2^53 would silently lose their last digits.
    private const double MaxExactInteger = 9_007_199_254_740_992d;
    // Tune.Randn is unbounded; bandwidths need a scale, so use the width of the uniform with the same
    // variance (sqrt(12) standard deviations), which makes Scott's rule and the magic clip behave as on a bounded range.
    private static readonly double NormalWidthPerSd = Math.Sqrt(12);

    public static EncodedParameter Categorical(int index, string path, string key, CategoricalDomain domain, int parent, int choice) => new()
    {
        Index = index, ConfigPath = path, Key = key, Domain = domain, Kind = ParameterKind.Categorical,
        Parent = parent, ParentChoice = choice,
        Categories = domain.Categories,
        SpaceLike = domain.Categories.Select(SpaceWalker.IsSpaceLike).ToArray(),
    };

    public static EncodedParameter Numeric(int index, string path, string key, Domain domain, int parent, int choice) => domain switch
    {
        FloatDomain { Sampler: NumericSampler.Normal } f => Normal(index, path, key, f, parent, choice),
        FloatDomain f => Bounded(index, path, key, domain, parent, choice, f.Sampler == NumericSampler.LogUniform,
            isInteger: false, f.Lower, f.Upper, f.Q ?? 0),
        IntDomain i => Integer(index, path, key, i, parent, choice),
        _ => throw new ArgumentException($"Not a numeric domain: {domain}", nameof(domain)),
    };

    private static EncodedParameter Integer(int index, string path, string key, IntDomain domain, int parent, int choice)
    {
        long q = domain.Q ?? 1;
        // Quantised integer domains hold the multiples of q inside [Lower, Upper]; plain ones Lower..Upper-1.
        long first = domain.Lower + (q - ((domain.Lower % q) + q) % q) % q;
        long last = domain.MaxValue - (((domain.MaxValue % q) + q) % q);
        if (Math.Abs((double)first) > MaxExactInteger || Math.Abs((double)last) > MaxExactInteger)
            throw new TuneException($"Search space parameter '{path}': {domain} has bounds beyond ±2^53, which model-based searchers cannot represent exactly. Narrow the range.");
        return Bounded(index, path, key, domain, parent, choice, domain.Sampler == NumericSampler.LogUniform,
            isInteger: true, first, last, q);
    }

    private static EncodedParameter Bounded(int index, string path, string key, Domain domain, int parent, int choice,
        bool log, bool isInteger, double lower, double upper, double step)
    {
        double ToInternal(double v) => log ? Math.Log(v) : v;
        // Discrete values own the cell [v - step/2, v + step/2], so the kernels' range is widened by half a step
        // on each side and every grid value gets the same prior mass (Optuna's treatment of stepped and int parameters).
        double low = step > 0 ? ToInternal(lower - 0.5 * step) : ToInternal(lower);
        double high = step > 0 ? ToInternal(upper + 0.5 * step) : ToInternal(upper);
        return new EncodedParameter
        {
            Index = index, ConfigPath = path, Key = key, Domain = domain, Parent = parent, ParentChoice = choice,
            Kind = step > 0 ? ParameterKind.Discrete : ParameterKind.Continuous,
            Low = low, High = high, Width = high - low,
            // The prior kernel is a wide Gaussian centred on the range (Bergstra et al. 2011, section 4; Optuna's prior).
            PriorMu = 0.5 * (low + high), PriorSigma = high - low,
            Log = log, IsInteger = isInteger, Step = step, GridLow = lower, GridHigh = upper,
            ValueLow = lower, ExclusiveUpper = step > 0 || isInteger ? double.PositiveInfinity : upper,
        };
    }

    private static EncodedParameter Normal(int index, string path, string key, FloatDomain domain, int parent, int choice)
    {
        double q = domain.Q ?? 0;
        // hyperopt's hp.normal: the prior kernel is the domain's own normal and kernels are not truncated.
        return new EncodedParameter
        {
            Index = index, ConfigPath = path, Key = key, Domain = domain, Parent = parent, ParentChoice = choice,
            Kind = q > 0 ? ParameterKind.Discrete : ParameterKind.Continuous,
            Low = double.NegativeInfinity, High = double.PositiveInfinity,
            Width = NormalWidthPerSd * domain.StdDev,
            PriorMu = domain.Mean, PriorSigma = domain.StdDev,
            IsNormalPrior = true, Step = q, GridLow = 0, GridHigh = 0,
        };
    }

    /// <summary>The internal coordinate of a user-given value (a point to evaluate); <paramref name="point"/> names
    /// the point in errors, e.g. "TpeSearch.PointsToEvaluate[0]".</summary>
    public static double Encode(EncodedParameter parameter, object? value, string point)
    {
        string where = $"{point}['{parameter.ConfigPath}']";
        if (parameter.Kind == ParameterKind.Categorical)
        {
            for (int i = 0; i < parameter.Choices; i++)
                if (SameValue(parameter.Categories[i], value))
                    return i;
            // A nested space cannot be named by value; EncodedSpace samples its category instead.
            if (parameter.SpaceLike.Any(s => s))
                return double.NaN;
            throw new TuneException($"{where} is {value ?? "null"}, which is not one of {parameter.Domain}. Give one of its values.");
        }
        if (!TryNumber(value, out double v) || double.IsNaN(v))
            throw new TuneException($"{where} is {value ?? "null"}, not a number; {parameter.Domain} needs a number.");
        bool inside = parameter.IsNormalPrior ? double.IsFinite(v)
            : parameter.Kind == ParameterKind.Discrete
                ? v >= parameter.GridLow - 0.5 * parameter.Step && v <= parameter.GridHigh + 0.5 * parameter.Step
                : v >= parameter.GridLow && v <= parameter.GridHigh;
        if (!inside)
            throw new TuneException($"{where} is {v}, outside {parameter.Domain}. Give a value inside the domain.");
        return parameter.Snap(parameter.ToInternal(v));
    }

    /// <summary>Whether a point's value is this category: numbers by value, lists and dictionaries by their contents (a
    /// point names a list or dictionary category with a new object equal to it, as Python's == compares them).</summary>
    private static bool SameValue(object? category, object? value)
    {
        if (Equals(category, value) || (TryNumber(category, out double a) && TryNumber(value, out double b) && a == b))
            return true;
        if (category is System.Collections.IDictionary c && value is System.Collections.IDictionary v)
            return c.Count == v.Count && c.Keys.Cast<object>().All(k => v.Contains(k) && SameValue(c[k], v[k]));
        if (category is System.Collections.IList cl && value is System.Collections.IList vl)
            return cl.Count == vl.Count && Enumerable.Range(0, cl.Count).All(i => SameValue(cl[i], vl[i]));
        return false;
    }

    private static bool TryNumber(object? value, out double number)
    {
        switch (value)
        {
            case double or float or int or long or short or byte or decimal or uint or ulong or sbyte or ushort:
                number = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                return true;
            case System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Number } e:
                number = e.GetDouble();
                return true;
            default:
                number = 0;
                return false;
        }
    }
}
