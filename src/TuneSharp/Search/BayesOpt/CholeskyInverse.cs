namespace TuneSharp.Search.BayesOpt;

/// <summary>
/// K⁻¹ from K's Cholesky factor L (LAPACK's dpotri): invert the triangle, then K⁻¹ = L⁻ᵀ L⁻¹, about 2n³/3 flops
/// against 2n³ for solving K X = I column by column, which is how MathNet would get it (it has no dpotri). The
/// marginal likelihood's gradient needs the whole inverse on every evaluation, so this is the fit's inner loop.
/// </summary>
internal static class CholeskyInverse
{
    /// <summary>The inverse as a row-major n×n array (symmetric, so column-major too).</summary>
    /// <param name="lower">L in column-major order, as MathNet stores it; only its lower triangle is read.</param>
    /// <param name="n">The order.</param>
    public static double[] Compute(double[] lower, int n)
    {
        // Row-major copy of L so the inner loops run along contiguous memory.
        var l = new double[n * n];
        for (int j = 0; j < n; j++)
            for (int i = j; i < n; i++)
                l[i * n + j] = lower[j * n + i];

        // M = L⁻¹ by forward substitution, one column at a time: L m_j = e_j. Column j of M is stored as row j of t,
        // so t[i, k] = M[k, i] (non-zero for k ≥ i) and every inner product below runs along contiguous memory.
        var t = new double[n * n];
        var column = new double[n];
        for (int j = 0; j < n; j++)
        {
            Array.Clear(column);
            for (int i = j; i < n; i++)
            {
                double sum = GaussianProcess.Dot(l.AsSpan(i * n + j, i - j), column.AsSpan(j, i - j));
                column[i] = ((i == j ? 1 : 0) - sum) / l[i * n + i];
            }
            Array.Copy(column, j, t, j * n + j, n - j);
        }

        // K⁻¹ = Mᵀ M: (K⁻¹)_ij = Σ_{k ≥ max(i,j)} M_ki M_kj.
        var inverse = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double value = GaussianProcess.Dot(t.AsSpan(i * n + i, n - i), t.AsSpan(j * n + i, n - i));
                inverse[i * n + j] = value;
                inverse[j * n + i] = value;
            }
        return inverse;
    }
}
