using MathNet.Numerics.LinearAlgebra;
using TuneSharp.Search.Encoding;

namespace TuneSharp.Search.CmaEs;

/// <summary>
/// The search distribution N(m, σ²C) of CMA-ES and its evolution paths, with the update of one generation. All
/// coordinates are in the unit cube. Equation numbers are those of Hansen 2016, "The CMA Evolution Strategy:
/// A Tutorial" (arXiv:1604.00772).
/// </summary>
internal sealed class CmaDistribution
{
    // Eigenvalues of C below this fraction of the largest are raised to it: keeps the condition number finite
    // (Hansen 2016, appendix B.2, suggests restarting well before 1e14) and C^(-1/2) defined.
    private const double MinEigenvalueRatio = 1e-14;
    // A step size above this in the unit cube is meaningless (every candidate is repaired) and only risks overflow.
    private const double MaxSigma = 1e6;

    private double[] _b = []; // eigenvectors of C, row-major, column k is the k-th eigenvector
    private double[] _d = []; // square roots of the eigenvalues of C

    public CmaDistribution(CmaConstants constants, double[] mean, double sigma)
        : this(constants, mean, sigma, Identity(mean.Length), new double[mean.Length], new double[mean.Length], 0)
    {
    }

    public CmaDistribution(CmaConstants constants, double[] mean, double sigma, double[] covariance, double[] pathSigma, double[] pathC, int generation)
    {
        Constants = constants;
        Mean = mean;
        Sigma = sigma;
        Covariance = covariance;
        PathSigma = pathSigma;
        PathC = pathC;
        Generation = generation;
        Decompose();
    }

    public CmaConstants Constants { get; }
    public int Dimension => Mean.Length;
    public double[] Mean { get; }
    public double Sigma { get; private set; }
    /// <summary>C, row-major n × n.</summary>
    public double[] Covariance { get; }
    /// <summary>p_σ, the conjugate evolution path of the step size.</summary>
    public double[] PathSigma { get; }
    /// <summary>p_c, the evolution path of the rank-one update.</summary>
    public double[] PathC { get; }
    /// <summary>g, the number of updates so far.</summary>
    public int Generation { get; private set; }

    /// <summary>The largest over smallest eigenvalue of C.</summary>
    public double Condition => Square(_d.Max()) / Square(_d.Min());

    /// <summary>The largest standard deviation of the distribution along a coordinate, σ √max C_ii.</summary>
    public double MaxCoordinateStd
    {
        get
        {
            double max = 0;
            for (int i = 0; i < Dimension; i++)
                max = Math.Max(max, Covariance[i * Dimension + i]);
            return Sigma * Math.Sqrt(max);
        }
    }

    /// <summary>
    /// A candidate x = m + σ B D z with z ~ N(0, I) (eqs. 38-40). A candidate outside the unit cube is drawn again,
    /// up to <paramref name="attempts"/> times, and the last one is clipped into the cube: resampling keeps the
    /// candidates Gaussian where the cube holds most of the mass, and clipping bounds the cost where it does not
    /// (as the <c>cmaes</c> library behind Optuna does). <paramref name="z"/> returns the normal vector of the last
    /// attempt; with <paramref name="mirror"/> the first attempt uses the negated vector it holds (mirrored sampling).
    /// </summary>
    public void Sample(SplitMix64 random, int attempts, Span<double> x, Span<double> z, bool mirror = false)
    {
        int n = Dimension;
        Span<double> scaled = n <= 64 ? stackalloc double[n] : new double[n];
        for (int attempt = 0; ; attempt++)
        {
            for (int k = 0; k < n; k++)
            {
                z[k] = mirror && attempt == 0 ? -z[k] : StandardNormal(random);
                scaled[k] = _d[k] * z[k];
            }
            bool inside = true;
            for (int i = 0; i < n; i++)
            {
                double y = 0;
                for (int k = 0; k < n; k++)
                    y += _b[i * n + k] * scaled[k];
                x[i] = Mean[i] + Sigma * y;
                inside &= x[i] >= 0 && x[i] <= 1;
            }
            if (inside)
                return;
            if (attempt + 1 >= attempts)
                break;
        }
        for (int i = 0; i < n; i++)
            x[i] = Math.Clamp(x[i], 0, 1);
    }

    // Box-Muller with two fresh uniforms per normal: a fixed number of draws per normal keeps streams simple.
    private static double StandardNormal(SplitMix64 random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>
    /// One generation's update from λ evaluated candidates (in any order): mean, step size and covariance.
    /// <paramref name="minStd"/> holds a lower bound on σ √C_ii per coordinate (0 for none), applied afterwards.
    /// </summary>
    public void Update(IReadOnlyList<(double[] X, double Loss)> candidates, ReadOnlySpan<double> minStd)
    {
        int n = Dimension, lambda = candidates.Count;
        CmaConstants k = Constants;
        if (lambda != k.Population)
            throw new ArgumentException($"Expected {k.Population} candidates, got {lambda}.", nameof(candidates));
        // Rank by loss; the stable order keeps ties in arrival order, so the update is deterministic.
        var ranked = candidates.Select((c, i) => (c.X, c.Loss, i)).OrderBy(c => c.Loss).ThenBy(c => c.i).ToArray();

        // y_i = (x_i - m) / σ, the steps actually taken (a clipped candidate counts where it was evaluated).
        var y = new double[lambda][];
        for (int r = 0; r < lambda; r++)
        {
            y[r] = new double[n];
            for (int i = 0; i < n; i++)
                y[r][i] = (ranked[r].X[i] - Mean[i]) / Sigma;
        }

        // Eq. (41): ⟨y⟩_w = Σ_{i≤μ} w_i y_{i:λ}; m ← m + c_m σ ⟨y⟩_w with c_m = 1.
        var yw = new double[n];
        for (int r = 0; r < k.Parents; r++)
            for (int i = 0; i < n; i++)
                yw[i] += k.Weights[r] * y[r][i];
        for (int i = 0; i < n; i++)
            Mean[i] += Sigma * yw[i];

        // Eq. (43): p_σ ← (1 - c_σ) p_σ + √(c_σ(2 - c_σ)μ_eff) C^(-1/2) ⟨y⟩_w, with C^(-1/2) = B D⁻¹ Bᵀ of the old C.
        double[] whitened = InverseSqrtTimes(yw);
        double sigmaPathScale = Math.Sqrt(k.CSigma * (2 - k.CSigma) * k.MuEff);
        for (int i = 0; i < n; i++)
            PathSigma[i] = (1 - k.CSigma) * PathSigma[i] + sigmaPathScale * whitened[i];
        double pathSigmaNorm = Norm(PathSigma);

        // h_σ (below eq. 46): stall the rank-one path while p_σ is long, i.e. while σ is still growing fast.
        double correction = Math.Sqrt(1 - Math.Pow(1 - k.CSigma, 2 * (Generation + 1)));
        bool hSigma = pathSigmaNorm / correction < (1.4 + 2.0 / (n + 1)) * k.ChiN;

        // Eq. (45): p_c ← (1 - c_c) p_c + h_σ √(c_c(2 - c_c)μ_eff) ⟨y⟩_w.
        double cPathScale = hSigma ? Math.Sqrt(k.Cc * (2 - k.Cc) * k.MuEff) : 0;
        for (int i = 0; i < n; i++)
            PathC[i] = (1 - k.Cc) * PathC[i] + cPathScale * yw[i];

        // Eq. (46): negative weights are rescaled by n / ‖C^(-1/2) y_i‖² so that the active update cannot
        // shrink C along a direction by more than the step that was taken.
        var wCirc = new double[lambda];
        for (int r = 0; r < lambda; r++)
        {
            double w = k.Weights[r];
            wCirc[r] = w >= 0 ? w : w * n / Math.Max(Square(Norm(InverseSqrtTimes(y[r]))), 1e-300);
        }

        // Eq. (47): C ← (1 + c_1 δ(h_σ) - c_1 - c_μ Σw_j) C + c_1 p_c p_cᵀ + c_μ Σ w°_i y_i y_iᵀ,
        // with δ(h_σ) = (1 - h_σ) c_c (2 - c_c).
        double delta = hSigma ? 0 : k.Cc * (2 - k.Cc);
        double decay = 1 + k.C1 * delta - k.C1 - k.CMu * k.WeightSum;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double rankMu = 0;
                for (int r = 0; r < lambda; r++)
                    rankMu += wCirc[r] * y[r][i] * y[r][j];
                double c = decay * Covariance[i * n + j] + k.C1 * PathC[i] * PathC[j] + k.CMu * rankMu;
                Covariance[i * n + j] = c;
                Covariance[j * n + i] = c; // exactly symmetric, as the eigendecomposition assumes
            }
        }

        // Eq. (44): σ ← σ exp((c_σ/d_σ)(‖p_σ‖/E‖N(0,I)‖ - 1)).
        Sigma = Math.Min(Sigma * Math.Exp(k.CSigma / k.DSigma * (pathSigmaNorm / k.ChiN - 1)), MaxSigma);
        Generation++;

        ApplyMinStd(minStd);
        Decompose();
    }

    // C ← S C S with S = diag(s_i) scales the coordinates whose marginal deviation fell below the floor; a
    // congruence keeps C symmetric positive definite.
    private void ApplyMinStd(ReadOnlySpan<double> minStd)
    {
        int n = Dimension;
        var scale = new double[n];
        bool any = false;
        for (int i = 0; i < n; i++)
        {
            double std = Sigma * Math.Sqrt(Covariance[i * n + i]);
            scale[i] = minStd.Length > i && minStd[i] > 0 && std < minStd[i] ? minStd[i] / Math.Max(std, 1e-300) : 1;
            any |= scale[i] != 1;
        }
        if (!any)
            return;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Covariance[i * n + j] *= scale[i] * scale[j];
    }

    // C = B D² Bᵀ by MathNet's symmetric eigendecomposition; recomputed after every update (n is small, and one
    // decomposition per generation costs far less than a trial).
    private void Decompose()
    {
        int n = Dimension;
        Matrix<double> c = Matrix<double>.Build.Dense(n, n, (i, j) => Covariance[i * n + j]);
        var evd = c.Evd(Symmetricity.Symmetric);
        double largest = Math.Max(evd.EigenValues.Select(e => e.Real).Max(), double.Epsilon);
        _d = new double[n];
        _b = new double[n * n];
        for (int k = 0; k < n; k++)
            _d[k] = Math.Sqrt(Math.Max(evd.EigenValues[k].Real, largest * MinEigenvalueRatio));
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
                _b[i * n + k] = evd.EigenVectors[i, k];
    }

    // C^(-1/2) v = B D⁻¹ Bᵀ v.
    private double[] InverseSqrtTimes(double[] v)
    {
        int n = Dimension;
        var t = new double[n];
        for (int k = 0; k < n; k++)
        {
            double s = 0;
            for (int i = 0; i < n; i++)
                s += _b[i * n + k] * v[i];
            t[k] = s / _d[k];
        }
        var result = new double[n];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
                result[i] += _b[i * n + k] * t[k];
        return result;
    }

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(e => e * e));

    private static double Square(double v) => v * v;

    private static double[] Identity(int n)
    {
        var c = new double[n * n];
        for (int i = 0; i < n; i++)
            c[i * n + i] = 1;
        return c;
    }
}
