using TuneSharp.Search.Encoding;

namespace TuneSharp.Search.BayesOpt;

/// <summary>
/// The GP's input space: every numeric parameter becomes one feature in [0, 1] over its internal range (log domains
/// are already warped to their logarithm, as Snoek et al. 2012 recommend for scale parameters), <see cref="Tune.Randn"/>
/// through its normal's CDF; every categorical becomes a one-hot block (Garrido-Merchán and Hernández-Lobato 2020,
/// "Dealing with categorical and integer-valued variables in Bayesian optimization with Gaussian processes").
/// Integers and quantised values are snapped before a point is scored, so the acquisition is evaluated only where
/// a trial could run. A parameter nested in an unchosen category takes 0.5 (numeric) or an all-zero block: the model
/// treats "inactive" as one more value rather than building a separate GP per branch (a stated simplification).
/// </summary>
internal sealed class GpFeatures
{
    private readonly EncodedSpace _space;
    private readonly int[] _offset;

    public GpFeatures(EncodedSpace space)
    {
        _space = space;
        _offset = new int[space.Parameters.Count];
        int next = 0;
        for (int p = 0; p < _offset.Length; p++)
        {
            _offset[p] = next;
            next += space.Parameters[p].Kind == ParameterKind.Categorical ? space.Parameters[p].Choices : 1;
        }
        Count = next;
    }

    /// <summary>The number of features.</summary>
    public int Count { get; }

    public EncodedSpace Space => _space;

    /// <summary>Whether parameter <paramref name="p"/> is numeric and active in <paramref name="x"/>,
    /// so the local search may move it.</summary>
    public bool IsMovable(int p, ReadOnlySpan<double> x) =>
        _space.Parameters[p].Kind != ParameterKind.Categorical && !double.IsNaN(x[p]);

    public int Offset(int p) => _offset[p];

    /// <summary>Writes the features of internal vector <paramref name="x"/> (NaN where inactive).</summary>
    public void Encode(ReadOnlySpan<double> x, Span<double> z)
    {
        for (int p = 0; p < x.Length; p++)
        {
            EncodedParameter parameter = _space.Parameters[p];
            int at = _offset[p];
            if (parameter.Kind == ParameterKind.Categorical)
            {
                z.Slice(at, parameter.Choices).Clear();
                if (!double.IsNaN(x[p]))
                    z[at + (int)x[p]] = 1;
            }
            else
            {
                z[at] = double.IsNaN(x[p]) ? 0.5 : ToUnit(parameter, x[p]);
            }
        }
    }

    /// <summary>The unit coordinate of a numeric parameter's internal value.</summary>
    public static double ToUnit(EncodedParameter parameter, double x) => parameter.IsNormalPrior
        ? Math.Clamp(0.5 * Erfc.Of(-(x - parameter.PriorMu) / (parameter.PriorSigma * Math.Sqrt(2))), 1e-9, 1 - 1e-9)
        : Math.Clamp(parameter.ToUnit(x), 0, 1);

    /// <summary>The internal value of a unit coordinate, snapped onto the parameter's grid and inside its bounds.</summary>
    public static double FromUnit(EncodedParameter parameter, double u)
    {
        double x = parameter.IsNormalPrior
            ? parameter.PriorMu + parameter.PriorSigma * MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, Math.Clamp(u, 1e-9, 1 - 1e-9))
            : parameter.FromUnit(u);
        return parameter.Snap(x);
    }

    /// <summary>A draw from the prior for every parameter active under the values drawn before it.</summary>
    public void SamplePrior(SplitMix64 random, Span<double> x)
    {
        x.Fill(double.NaN);
        for (int p = 0; p < x.Length; p++)
            if (_space.IsActive(p, x))
                x[p] = _space.Parameters[p].SamplePrior(random);
    }

    /// <summary>
    /// A neighbour of <paramref name="x"/>: each active numeric parameter moves by a normal step of
    /// <paramref name="scales"/>[feature] in unit coordinates; each categorical changes to a random category with
    /// probability 1/(number of parameters), redrawing what that category activates.
    /// </summary>
    public void Perturb(ReadOnlySpan<double> x, ReadOnlySpan<double> scales, SplitMix64 random, Span<double> result)
    {
        result.Fill(double.NaN);
        double switchProbability = 1.0 / x.Length;
        for (int p = 0; p < x.Length; p++)
        {
            if (!_space.IsActive(p, result))
                continue;
            EncodedParameter parameter = _space.Parameters[p];
            if (double.IsNaN(x[p]))
                result[p] = parameter.SamplePrior(random);
            else if (parameter.Kind == ParameterKind.Categorical)
                result[p] = random.NextDouble() < switchProbability ? parameter.SamplePrior(random) : x[p];
            else
                result[p] = FromUnit(parameter, ToUnit(parameter, x[p]) + scales[_offset[p]] * StandardNormal(random));
        }
    }

    // Box–Muller; one of the pair is enough here.
    private static double StandardNormal(SplitMix64 random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
