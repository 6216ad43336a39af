using TuneSharp.Search.Encoding;
namespace TuneSharp.Search.Tpe;

/// <summary>The knobs of one TPE step, frozen from <see cref="TpeSearch"/>'s options at setup.</summary>
internal readonly record struct TpeSettings(
    bool Multivariate, double Gamma, TpeSplit Split, int MaxBelow, TpeWeighting Weighting, double PriorWeight,
    bool MagicClip, bool ConsiderEndpoints, int NEiCandidates, double BandwidthFactor);

/// <summary>
/// One TPE step (Bergstra et al. 2011, section 4): split the observations at a loss quantile into a good group
/// and the rest, fit a Parzen estimator l(x) to the good and g(x) to the rest, draw candidates from l and keep
/// the one with the largest l(x)/g(x), which maximises expected improvement (Bergstra et al. 2011, section 4;
/// Watanabe 2023, section 2). Running trials take part as constant liars: they join the rest with the worst
/// loss (Ginsbourger et al. 2010's CL-max, as Optuna's constant_liar), so concurrent suggestions are pushed
/// away from points already being evaluated.
/// </summary>
internal sealed class TpeSampler
{
    private readonly EncodedSpace _space;
    private readonly TpeSettings _settings;
    private readonly EncodedParameter[] _joint;
    private readonly EncodedParameter[][] _single;
    private readonly ParzenEstimator _below = new(), _above = new();
    private int[] _belowRows = [], _aboveRows = [], _ordered = [];
    private double[] _belowWeights = [], _aboveWeights = [];
    private bool[] _inBelow = [];
    private readonly double[] _candidate, _best;

    public TpeSampler(EncodedSpace space, in TpeSettings settings)
    {
        _space = space;
        _settings = settings;
        var parameters = space.Parameters;
        // Multivariate mode models the always-active parameters jointly; parameters nested in a category are
        // not always observed, so they keep univariate estimators (as Optuna does outside the intersection space).
        _joint = settings.Multivariate ? parameters.Where(p => p.Parent < 0).ToArray() : [];
        _single = parameters.Select(p => new[] { p }).ToArray();
        _candidate = new double[parameters.Count];
        _best = new double[parameters.Count];
    }

    /// <summary>The size of the good group among <paramref name="n"/> observations: ceil(γn) (linear, Optuna)
    /// or ceil(γ√n) (hyperopt), at most MaxBelow (Watanabe 2023, section 3, splitting algorithm).</summary>
    public static int BelowCount(int n, in TpeSettings settings)
    {
        if (n == 0)
            return 0;
        double size = settings.Split == TpeSplit.Linear ? settings.Gamma * n : settings.Gamma * Math.Sqrt(n);
        return Math.Clamp((int)Math.Ceiling(size - 1e-9), 1, Math.Min(settings.MaxBelow, n));
    }

    /// <summary>Fills <paramref name="x"/> with the next point.</summary>
    public void Suggest(Observations observations, SplitMix64 random, Span<double> x)
    {
        x.Fill(double.NaN);
        ReadOnlySpan<double> data = observations.Matrix(out int rows);
        int stride = x.Length;
        if (_joint.Length > 0)
        {
            Split(observations, data, stride, rows, active: -1);
            Choose(_joint, data, stride, random, x, _settings);
        }
        var univariate = _settings with { Multivariate = false };
        for (int p = 0; p < _single.Length; p++)
        {
            if (!double.IsNaN(x[p]) || !_space.IsActive(p, x))
                continue;
            Split(observations, data, stride, rows, active: p);
            Choose(_single[p], data, stride, random, x, univariate);
        }
    }

    private void Choose(EncodedParameter[] dims, ReadOnlySpan<double> data, int stride, SplitMix64 random, Span<double> x, in TpeSettings settings)
    {
        _below.Fit(dims, data, stride, _belowRows.AsSpan(0, _belowCount), _belowWeights.AsSpan(0, _belowCount), settings);
        _above.Fit(dims, data, stride, _aboveRows.AsSpan(0, _aboveCount), _aboveWeights.AsSpan(0, _aboveCount), settings);
        // Candidates come from l(x) and the best l/g ratio wins (Bergstra et al. 2011, section 4); their number
        // sets how hard the search exploits (Watanabe 2023, section 3, number of candidates).
        double bestScore = double.NegativeInfinity;
        bool any = false;
        for (int c = 0; c < settings.NEiCandidates; c++)
        {
            _below.Sample(random, _candidate);
            double score = _below.LogPdf(_candidate) - _above.LogPdf(_candidate);
            if (!any || score > bestScore)
            {
                any = true;
                bestScore = double.IsNaN(score) ? double.NegativeInfinity : score;
                foreach (EncodedParameter p in dims)
                    _best[p.Index] = _candidate[p.Index];
            }
        }
        foreach (EncodedParameter p in dims)
            x[p.Index] = _best[p.Index];
    }

    private int _belowCount, _aboveCount;

    // Splits the rows in which parameter `active` is set (all rows for -1) into the good group (the best
    // BelowCount by loss, completed trials only) and the rest (the other completed rows and the running ones),
    // each in age order, and weighs them.
    private void Split(Observations observations, ReadOnlySpan<double> data, int stride, int rows, int active)
    {
        EnsureCapacity(rows);
        int completed = 0;
        foreach (int row in observations.ByLoss)
            if (active < 0 || !double.IsNaN(data[row * stride + active]))
                _ordered[completed++] = row;
        int running = 0;
        for (int row = observations.Count; row < rows; row++)
            if (active < 0 || !double.IsNaN(data[row * stride + active]))
                running++;
        _belowCount = Math.Min(BelowCount(completed + running, _settings), completed);
        Array.Copy(_ordered, _belowRows, _belowCount);
        Array.Sort(_belowRows, 0, _belowCount);
        Array.Clear(_inBelow, 0, rows);
        for (int i = 0; i < _belowCount; i++)
            _inBelow[_belowRows[i]] = true;
        _aboveCount = 0;
        for (int row = 0; row < rows; row++)
            if (!_inBelow[row] && (active < 0 || !double.IsNaN(data[row * stride + active])))
                _aboveRows[_aboveCount++] = row;
        Weigh(_belowWeights, _belowCount);
        Weigh(_aboveWeights, _aboveCount);
    }

    // Optuna's default_weights (Watanabe 2023, section 3, weighting algorithm): with OlderSmaller the oldest of more than
    // 25 observations ramp down linearly from 1 to 1/n, so the model follows the search as it moves.
    private void Weigh(double[] weights, int n)
    {
        const int Flat = 25;
        Array.Fill(weights, 1.0, 0, n);
        if (_settings.Weighting != TpeWeighting.OlderSmaller || n < Flat)
            return;
        int ramp = n - Flat;
        for (int i = 0; i < ramp; i++)
            weights[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / (ramp - 1);
    }

    private void EnsureCapacity(int rows)
    {
        if (_ordered.Length >= rows)
            return;
        int capacity = Math.Max(64, rows * 2);
        _ordered = new int[capacity];
        _belowRows = new int[capacity];
        _aboveRows = new int[capacity];
        _belowWeights = new double[capacity];
        _aboveWeights = new double[capacity];
        _inBelow = new bool[capacity];
    }
}
