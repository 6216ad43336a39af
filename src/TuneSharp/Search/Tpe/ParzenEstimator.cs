using TuneSharp.Search.Encoding;
using System.Numerics;
using System.Runtime.InteropServices;

namespace TuneSharp.Search.Tpe;

/// <summary>
/// A Parzen estimator: a weighted mixture of product kernels over one parameter (univariate TPE, Bergstra et
/// al. 2011, section 4) or over several jointly (multivariate TPE, Falkner et al. 2018; Watanabe 2023,
/// section 3 and its recommended setting, prefers the joint kernel). Numeric dimensions use truncated Gaussians,
/// categorical ones Optuna's smoothed one-hot kernel; one extra kernel is the prior. Kernels are stored
/// dimension by dimension so the per-candidate loops run over contiguous arrays with SIMD.
/// </summary>
internal sealed class ParzenEstimator
{
    private const double MinBandwidthFactor = 0.01;
    private EncodedParameter[] _dims = [];
    private int _count;
    private double[] _cumulativeWeight = [];
    private double[] _baseLog = [];          // log weight + the constant terms of continuous dimensions
    private double[][] _mu = [];             // category index for categorical dimensions, -1 for the prior
    private double[][] _sigma = [];
    private double[][] _invSigma = [];
    private double[][] _logZ = [];
    private double[] _catLogTop = [], _catLogOther = [], _catTop = [];
    private double[] _scratch = [];
    private double[] _sortKeys = [];
    private int[] _sortIndex = [];

    /// <summary>The number of kernels, the prior included.</summary>
    public int Count => _count;

    /// <summary>Kernel means of dimension <paramref name="dim"/> (tests and diagnostics).</summary>
    public ReadOnlySpan<double> Means(int dim) => _mu[dim].AsSpan(0, _count);

    /// <summary>Kernel bandwidths of dimension <paramref name="dim"/> (tests and diagnostics).</summary>
    public ReadOnlySpan<double> Sigmas(int dim) => _sigma[dim].AsSpan(0, _count);

    /// <summary>
    /// Fits the estimator to <paramref name="rows"/> of <paramref name="data"/> (rows of <paramref name="stride"/>
    /// values, indexed by each dimension's <see cref="EncodedParameter.Index"/>) with the given relative weights.
    /// </summary>
    public void Fit(EncodedParameter[] dims, ReadOnlySpan<double> data, int stride, ReadOnlySpan<int> rows,
        ReadOnlySpan<double> weights, in TpeSettings settings)
    {
        _dims = dims;
        int n = rows.Length;
        bool prior = settings.PriorWeight > 0 || n == 0;
        _count = n + (prior ? 1 : 0);
        Ensure(dims.Length, _count);

        double total = 0;
        for (int k = 0; k < n; k++)
            total += weights[k];
        double priorWeight = n == 0 ? 1 : settings.PriorWeight;
        total += prior ? priorWeight : 0;
        double cumulative = 0;
        for (int k = 0; k < _count; k++)
        {
            double w = (k < n ? weights[k] : priorWeight) / total;
            cumulative += w;
            _cumulativeWeight[k] = cumulative;
            _baseLog[k] = Math.Log(w);
        }

        for (int d = 0; d < dims.Length; d++)
        {
            EncodedParameter p = dims[d];
            double[] mu = _mu[d];
            for (int k = 0; k < n; k++)
                mu[k] = data[rows[k] * stride + p.Index];
            if (p.Kind == ParameterKind.Categorical)
            {
                FitCategorical(d, p, n, prior, settings.PriorWeight);
                continue;
            }
            if (prior)
                mu[n] = p.PriorMu;
            FitBandwidths(d, p, n, prior, settings);
            double[] sigma = _sigma[d], inv = _invSigma[d], logZ = _logZ[d];
            double lastSigma = double.NaN, logSigma = 0;
            for (int k = 0; k < _count; k++)
            {
                inv[k] = 1.0 / sigma[k];
                logZ[k] = TruncatedNormal.LogNormaliser(mu[k], sigma[k], p.Low, p.High);
                if (p.Kind != ParameterKind.Continuous)
                    continue;
                if (sigma[k] != lastSigma) // Scott's rule gives every observation the same width: one log per dimension
                    (lastSigma, logSigma) = (sigma[k], Math.Log(sigma[k]));
                _baseLog[k] -= logSigma + logZ[k] + TruncatedNormal.LogSqrt2Pi;
            }
        }
    }

    // Optuna's categorical kernel (Watanabe 2023, section 3, categorical kernel): each observation puts mass 1 on its own
    // category plus PriorWeight/(n+1) on every category, normalised; the prior kernel is uniform.
    private void FitCategorical(int d, EncodedParameter p, int n, bool prior, double priorWeight)
    {
        double eps = priorWeight / (n + 1);
        double norm = 1 + p.Choices * eps;
        _catTop[d] = (1 + eps) / norm;
        _catLogTop[d] = Math.Log(_catTop[d]);
        _catLogOther[d] = p.Choices == 1 ? 0 : Math.Log(eps / norm);
        if (prior)
            _mu[d][n] = -1;
    }

    private void FitBandwidths(int d, EncodedParameter p, int n, bool prior, in TpeSettings settings)
    {
        double[] mu = _mu[d], sigma = _sigma[d];
        double maxSigma = p.IsNormalPrior ? p.PriorSigma : p.Width;
        if (settings.Multivariate)
        {
            // Scott's rule for a D-dimensional product kernel, with Optuna's factor 0.2 on the range
            // (Watanabe 2023, section 3, bandwidth selection).
            double bandwidth = settings.BandwidthFactor * Math.Pow(Math.Max(n, 1), -1.0 / (_dims.Length + 4)) * p.Width;
            Array.Fill(sigma, bandwidth, 0, n);
        }
        else
        {
            NeighbourBandwidths(mu, sigma, n, prior, p, settings.ConsiderEndpoints);
        }
        // Magic clip (Bergstra et al. 2011's hyperopt; Watanabe 2023, section 3, magic clipping): no kernel narrower than
        // range / min(100, kernels), so a few close observations cannot collapse the estimator onto a point.
        // Without it, Watanabe 2023's minimum bandwidth factor of 0.01 × range still keeps kernels from vanishing.
        double minSigma = Math.Min(maxSigma, settings.MagicClip ? p.Width / Math.Min(100.0, 1.0 + _count) : MinBandwidthFactor * p.Width);
        for (int k = 0; k < n; k++)
            sigma[k] = Math.Clamp(sigma[k], minSigma, maxSigma);
        if (prior)
            sigma[n] = p.PriorSigma;
    }

    // Bergstra et al. 2011, section 4: each Gaussian's width is the larger distance to its left and right
    // neighbours among the sorted means (the prior's mean included); the range's ends count as neighbours only with
    // ConsiderEndpoints (Optuna's consider_endpoints; otherwise the extreme kernels use their inner neighbour).
    private void NeighbourBandwidths(double[] mu, double[] sigma, int n, bool prior, EncodedParameter p, bool considerEndpoints)
    {
        for (int k = 0; k < n; k++)
        {
            _sortKeys[k] = mu[k];
            _sortIndex[k] = k;
        }
        Array.Sort(_sortKeys, _sortIndex, 0, n);
        int m = n;
        if (prior)
        {
            // As Optuna: the prior's mean goes before observations equal to it, so ties resolve one way.
            int at = 0;
            while (at < n && _sortKeys[at] < mu[n])
                at++;
            Array.Copy(_sortKeys, at, _sortKeys, at + 1, n - at);
            Array.Copy(_sortIndex, at, _sortIndex, at + 1, n - at);
            _sortKeys[at] = mu[n];
            _sortIndex[at] = n;
            m++;
        }
        for (int i = 0; i < m; i++)
        {
            double left = i > 0 ? _sortKeys[i] - _sortKeys[i - 1] : considerEndpoints || m == 1 ? _sortKeys[i] - p.Low : double.NaN;
            double right = i < m - 1 ? _sortKeys[i + 1] - _sortKeys[i] : considerEndpoints || m == 1 ? p.High - _sortKeys[i] : double.NaN;
            double s = double.IsNaN(left) ? right : double.IsNaN(right) ? left : Math.Max(left, right);
            sigma[_sortIndex[i]] = double.IsFinite(s) ? s : p.PriorSigma;
        }
    }

    /// <summary>Draws one point from the mixture into <paramref name="x"/> (indexed by parameter index):
    /// one uniform number picks the kernel, one more per dimension draws from it.</summary>
    public void Sample(SplitMix64 random, Span<double> x)
    {
        int k = _cumulativeWeight.AsSpan(0, _count).BinarySearch(random.NextDouble());
        k = Math.Min(k < 0 ? ~k : k, _count - 1);
        for (int d = 0; d < _dims.Length; d++)
        {
            EncodedParameter p = _dims[d];
            double u = random.NextDouble();
            if (p.Kind != ParameterKind.Categorical)
            {
                x[p.Index] = p.Snap(TruncatedNormal.Sample(_mu[d][k], _sigma[d][k], p.Low, p.High, u));
                continue;
            }
            int own = (int)_mu[d][k];
            if (own < 0 || p.Choices == 1)
                x[p.Index] = Math.Min((int)(u * p.Choices), p.Choices - 1);
            else if (u < _catTop[d])
                x[p.Index] = own;
            else
            {
                int other = Math.Min((int)((u - _catTop[d]) / (1 - _catTop[d]) * (p.Choices - 1)), p.Choices - 2);
                x[p.Index] = other >= own ? other + 1 : other;
            }
        }
    }

    /// <summary>log density of the mixture at <paramref name="x"/> (indexed by parameter index); for discrete
    /// dimensions the density is the mass of the value's grid cell.</summary>
    public double LogPdf(ReadOnlySpan<double> x)
    {
        Span<double> acc = _scratch.AsSpan(0, _count);
        AddContinuous(acc, x);
        for (int d = 0; d < _dims.Length; d++)
        {
            EncodedParameter p = _dims[d];
            double v = x[p.Index];
            if (p.Kind == ParameterKind.Discrete)
            {
                var (lo, hi) = p.Cell(v);
                double[] mu = _mu[d], sigma = _sigma[d], logZ = _logZ[d];
                for (int k = 0; k < acc.Length; k++)
                {
                    double mass = TruncatedNormal.Mass((lo - mu[k]) / sigma[k], (hi - mu[k]) / sigma[k]);
                    acc[k] += Math.Log(mass + 1e-300) - logZ[k];
                }
            }
            else if (p.Kind == ParameterKind.Categorical)
            {
                double[] own = _mu[d];
                double top = _catLogTop[d], other = _catLogOther[d], uniform = -Math.Log(p.Choices);
                for (int k = 0; k < acc.Length; k++)
                    acc[k] += own[k] < 0 ? uniform : own[k] == v ? top : other;
            }
        }
        return LogSumExp(acc);
    }

    // acc[k] = baseLog[k] - Σ_continuous d ((x_d - mu[d][k]) / sigma[d][k])² / 2, one pass over the kernels with every
    // dimension applied to a block in registers (SIMD), rather than one pass per dimension.
    private void AddContinuous(Span<double> acc, ReadOnlySpan<double> x)
    {
        Span<int> dims = stackalloc int[_dims.Length];
        Span<double> point = stackalloc double[_dims.Length];
        int m = 0;
        for (int d = 0; d < _dims.Length; d++)
            if (_dims[d].Kind == ParameterKind.Continuous)
            {
                dims[m] = d;
                point[m++] = x[_dims[d].Index];
            }
        ReadOnlySpan<double> baseLog = _baseLog.AsSpan(0, _count);
        int k = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<double>.Count;
            var half = new Vector<double>(0.5);
            for (; k <= acc.Length - width; k += width)
            {
                var sum = new Vector<double>(baseLog.Slice(k, width));
                for (int j = 0; j < m; j++)
                {
                    int d = dims[j];
                    var t = (new Vector<double>(point[j]) - new Vector<double>(_mu[d].AsSpan(k, width))) * new Vector<double>(_invSigma[d].AsSpan(k, width));
                    sum -= half * t * t;
                }
                sum.CopyTo(acc.Slice(k, width));
            }
        }
        for (; k < acc.Length; k++)
        {
            double sum = baseLog[k];
            for (int j = 0; j < m; j++)
            {
                double t = (point[j] - _mu[dims[j]][k]) * _invSigma[dims[j]][k];
                sum -= 0.5 * t * t;
            }
            acc[k] = sum;
        }
    }

    private static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        int k = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<double>.Count)
        {
            var vs = MemoryMarshal.Cast<double, Vector<double>>(values);
            var m = new Vector<double>(double.NegativeInfinity);
            for (int i = 0; i < vs.Length; i++)
                m = Vector.Max(m, vs[i]);
            for (int i = 0; i < Vector<double>.Count; i++)
                max = Math.Max(max, m[i]);
            k = vs.Length * Vector<double>.Count;
        }
        for (; k < values.Length; k++)
            max = Math.Max(max, values[k]);
        if (double.IsNegativeInfinity(max))
            return max;
        // Terms 40 nats below the largest add less than 4e-18 each relative to it: skipping them is exact to double
        // precision, and with narrow kernels most of a large group is that far from any one candidate.
        double cutoff = max - 40, sum = 0;
        foreach (double v in values)
            if (v > cutoff)
                sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }

    private void Ensure(int dims, int count)
    {
        if (_mu.Length < dims)
        {
            _mu = Grow(_mu, dims);
            _sigma = Grow(_sigma, dims);
            _invSigma = Grow(_invSigma, dims);
            _logZ = Grow(_logZ, dims);
            _catLogTop = new double[dims];
            _catLogOther = new double[dims];
            _catTop = new double[dims];
        }
        if (_baseLog.Length >= count && _mu[dims - 1]?.Length >= count)
            return;
        int capacity = Math.Max(16, Math.Max(count, _baseLog.Length * 2));
        _baseLog = new double[capacity];
        _cumulativeWeight = new double[capacity];
        _scratch = new double[capacity];
        _sortKeys = new double[capacity];
        _sortIndex = new int[capacity];
        for (int d = 0; d < _mu.Length; d++)
        {
            _mu[d] = new double[capacity];
            _sigma[d] = new double[capacity];
            _invSigma[d] = new double[capacity];
            _logZ[d] = new double[capacity];
        }
    }

    private static double[][] Grow(double[][] arrays, int length)
    {
        var grown = new double[length][];
        for (int i = 0; i < length; i++)
            grown[i] = i < arrays.Length ? arrays[i] : [];
        return grown;
    }
}
