using TuneSharp.Search.Encoding;

namespace TuneSharp.Search.Bohb;

/// <summary>
/// BOHB's kernel density estimator (Falkner et al. 2018, section 4, "the TPE component"; statsmodels'
/// <c>KDEMultivariate</c> in their implementation): a product kernel over the parameters, one kernel per
/// observation, with each dimension's bandwidth from the normal reference rule, raised to at least
/// <c>MinBandwidth</c>. Numeric dimensions (in <see cref="UnitScale"/> coordinates) use a Gaussian kernel;
/// categorical ones the Aitchison–Aitken kernel, which keeps an observation's category with probability 1 − λ and
/// spreads λ evenly over the other c − 1 categories.
/// </summary>
internal sealed class BohbKde
{
    private const double NormalReferenceConstant = 1.06;
    private readonly EncodedSpace _space;
    private readonly double[][] _rows;

    /// <param name="space">The parameters (their kinds and numbers of categories).</param>
    /// <param name="unitRows">The observations in unit coordinates; NaN where a parameter was inactive.</param>
    /// <param name="minBandwidth">The smallest bandwidth (hpbandster's <c>min_bandwidth</c>): keeps diversity when every
    /// observation has the same value in a dimension, whose normal-reference bandwidth is then 0.</param>
    public BohbKde(EncodedSpace space, IReadOnlyList<double[]> unitRows, double minBandwidth)
    {
        if (unitRows.Count == 0)
            throw new ArgumentException("A KDE needs at least one observation.", nameof(unitRows));
        _space = space;
        _rows = unitRows.ToArray();
        int d = space.Parameters.Count;
        Bandwidths = new double[d];
        for (int p = 0; p < d; p++)
        {
            EncodedParameter parameter = space.Parameters[p];
            double bw = Math.Max(NormalReference(_rows.Select(r => r[p]).Where(v => !double.IsNaN(v)).ToArray(), d), minBandwidth);
            // λ above (c − 1)/c would make an observation's own category less likely than each other one; at
            // (c − 1)/c the kernel is uniform. statsmodels leaves λ unbounded; the cap keeps it a sensible kernel.
            Bandwidths[p] = parameter.Kind == ParameterKind.Categorical ? Math.Min(bw, MaxLambda(parameter.Choices)) : bw;
        }
    }

    /// <summary>Per-dimension bandwidths: σ for numeric dimensions, λ for categorical ones.</summary>
    public double[] Bandwidths { get; }

    public int Count => _rows.Length;

    /// <summary>
    /// statsmodels' <c>normal_reference</c> rule, which BOHB uses for every dimension (categorical ones on their
    /// category indices): 1.06 · σ̂ · n^(−1/(d+4)), with σ̂ the population standard deviation of the n active values
    /// and d the number of dimensions. Fewer than two values give 0 (the caller's minimum then applies).
    /// </summary>
    public static double NormalReference(ReadOnlySpan<double> values, int dimensions)
    {
        int n = values.Length;
        if (n < 2)
            return 0;
        double mean = 0;
        foreach (double v in values)
            mean += v;
        mean /= n;
        double squares = 0;
        foreach (double v in values)
            squares += (v - mean) * (v - mean);
        return NormalReferenceConstant * Math.Sqrt(squares / n) * Math.Pow(n, -1.0 / (dimensions + 4));
    }

    /// <summary>The largest Aitchison–Aitken λ: (c − 1)/c, the uniform kernel.</summary>
    public static double MaxLambda(int choices) => choices <= 1 ? 0 : (choices - 1.0) / choices;

    /// <summary>
    /// log of the density at <paramref name="u"/> (unit coordinates): log of the mean over observations of the
    /// product of per-dimension kernels. A dimension inactive in <paramref name="u"/> is left out; an observation in
    /// which it was inactive contributes the uniform density there (1 on [0, 1], 1/c for c categories), i.e. it
    /// says nothing about that dimension. Summed in log space, so many narrow dimensions do not underflow.
    /// </summary>
    public double LogDensity(ReadOnlySpan<double> u)
    {
        double max = double.NegativeInfinity;
        Span<double> logs = _rows.Length <= 256 ? stackalloc double[_rows.Length] : new double[_rows.Length];
        for (int i = 0; i < _rows.Length; i++)
        {
            double s = 0;
            double[] row = _rows[i];
            for (int p = 0; p < u.Length && s > double.NegativeInfinity; p++)
                if (!double.IsNaN(u[p]))
                    s += LogKernel(p, u[p], row[p]);
            logs[i] = s;
            max = Math.Max(max, s);
        }
        if (double.IsNegativeInfinity(max))
            return double.NegativeInfinity;
        double sum = 0;
        foreach (double s in logs)
            sum += Math.Exp(s - max);
        return max + Math.Log(sum / _rows.Length);
    }

    private double LogKernel(int p, double value, double center)
    {
        EncodedParameter parameter = _space.Parameters[p];
        double bw = Bandwidths[p];
        if (parameter.Kind == ParameterKind.Categorical)
        {
            int c = parameter.Choices;
            if (double.IsNaN(center))
                return -Math.Log(c);
            if (c <= 1)
                return 0;
            return (int)value == (int)center ? Math.Log(1 - bw) : Math.Log(bw / (c - 1));
        }
        if (double.IsNaN(center))
            return 0;
        double z = (value - center) / bw;
        return -0.5 * z * z - Math.Log(bw) - TruncatedNormal.LogSqrt2Pi;
    }

    /// <summary>
    /// A draw from the kernel of observation <paramref name="row"/> with every bandwidth multiplied by
    /// <paramref name="widening"/>: BOHB samples candidates from l'(x), "the same KDE as l, but with all bandwidths
    /// multiplied by b_w" (Falkner et al. 2018, section 4). Numeric draws are truncated to [0, 1] (hpbandster's
    /// <c>truncnorm</c>) and snapped to the parameter's grid; a widened λ is capped at the uniform kernel.
    /// Parameters are decided in space order, so a nested parameter is drawn only when its category is chosen, and
    /// from the prior when the observation did not have it. Returns internal coordinates.
    /// </summary>
    public double[] Sample(int row, double widening, SplitMix64 random)
    {
        int d = _space.Parameters.Count;
        var x = new double[d];
        Array.Fill(x, double.NaN);
        double[] center = _rows[row];
        for (int p = 0; p < d; p++)
        {
            if (!_space.IsActive(p, x))
                continue;
            EncodedParameter parameter = _space.Parameters[p];
            double m = center[p];
            if (double.IsNaN(m))
            {
                x[p] = parameter.SamplePrior(random);
                continue;
            }
            if (parameter.Kind == ParameterKind.Categorical)
            {
                int c = parameter.Choices;
                double lambda = Math.Min(Bandwidths[p] * widening, MaxLambda(c));
                double draw = random.NextDouble();
                // Keep the observation's category with probability 1 − λ, else one of the others, uniformly.
                int other = Math.Min((int)(random.NextDouble() * (c - 1)), c - 2);
                x[p] = draw < 1 - lambda || c <= 1 ? m : other >= (int)m ? other + 1 : other;
                continue;
            }
            double u = TruncatedNormal.Sample(m, Bandwidths[p] * widening, 0, 1, random.NextDouble());
            x[p] = UnitScale.FromUnit(parameter, u);
        }
        return x;
    }
}
