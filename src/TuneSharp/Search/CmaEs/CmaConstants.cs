namespace TuneSharp.Search.CmaEs;

/// <summary>
/// The strategy parameters of CMA-ES for a dimension and population size, with the defaults of Hansen 2016,
/// "The CMA Evolution Strategy: A Tutorial" (arXiv:1604.00772), appendix A, table 1. They depend only on
/// (n, λ), so they are recomputed on restore rather than saved.
/// </summary>
internal sealed class CmaConstants
{
    public CmaConstants(int dimension, int population)
    {
        int n = dimension, lambda = population;
        Dimension = n;
        Population = lambda;
        Parents = lambda / 2; // μ = ⌊λ/2⌋

        // Eq. (49): preliminary weights w'_i = ln((λ+1)/2) - ln i, positive for the best μ, negative for the rest.
        var raw = new double[lambda];
        for (int i = 0; i < lambda; i++)
            raw[i] = Math.Log((lambda + 1) / 2.0) - Math.Log(i + 1);
        double positiveSum = 0, positiveSquares = 0, negativeSum = 0, negativeSquares = 0;
        foreach (double w in raw)
        {
            if (w > 0)
            {
                positiveSum += w;
                positiveSquares += w * w;
            }
            else
            {
                negativeSum -= w;
                negativeSquares += w * w;
            }
        }
        MuEff = positiveSum * positiveSum / positiveSquares;
        double muEffMinus = negativeSquares > 0 ? negativeSum * negativeSum / negativeSquares : 0;

        // Eqs. (55)-(58): learning rates of the step-size path, damping, the rank-one path and the two covariance updates.
        const double alphaCov = 2;
        CSigma = (MuEff + 2) / (n + MuEff + 5);
        DSigma = 1 + 2 * Math.Max(0, Math.Sqrt((MuEff - 1) / (n + 1)) - 1) + CSigma;
        Cc = (4 + MuEff / n) / (n + 4 + 2 * MuEff / n);
        C1 = alphaCov / ((n + 1.3) * (n + 1.3) + MuEff);
        CMu = Math.Min(1 - C1, alphaCov * (MuEff - 2 + 1 / MuEff) / ((n + 2) * (n + 2) + alphaCov * MuEff / 2));

        // Eqs. (50)-(53): positive weights sum to one; negative weights (active CMA) are scaled by the smallest of
        // α_μ⁻, α_μeff⁻ and α_posdef⁻ so that C stays positive definite.
        double alphaMu = 1 + C1 / CMu;
        double alphaMuEff = 1 + 2 * muEffMinus / (MuEff + 2);
        double alphaPosDef = (1 - C1 - CMu) / (n * CMu);
        double negativeScale = Math.Min(alphaMu, Math.Min(alphaMuEff, alphaPosDef));
        Weights = new double[lambda];
        for (int i = 0; i < lambda; i++)
            Weights[i] = raw[i] > 0 ? raw[i] / positiveSum : negativeSum > 0 ? negativeScale * raw[i] / negativeSum : 0;
        WeightSum = Weights.Sum();

        // E‖N(0, I)‖ ≈ √n (1 - 1/(4n) + 1/(21n²)), below eq. (44).
        ChiN = Math.Sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
    }

    public int Dimension { get; }
    /// <summary>λ, the number of candidates per generation.</summary>
    public int Population { get; }
    /// <summary>μ, the number of candidates with positive weight.</summary>
    public int Parents { get; }
    /// <summary>The recombination weights w_i by rank, best first (eq. 53).</summary>
    public double[] Weights { get; }
    /// <summary>Σ w_j over all λ weights, negative ones included (eq. 47).</summary>
    public double WeightSum { get; }
    public double MuEff { get; }
    public double CSigma { get; }
    public double DSigma { get; }
    public double Cc { get; }
    public double C1 { get; }
    public double CMu { get; }
    public double ChiN { get; }
}
