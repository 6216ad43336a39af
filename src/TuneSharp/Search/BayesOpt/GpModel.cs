using TuneSharp.Search.Encoding;

namespace TuneSharp.Search.BayesOpt;

/// <summary>
/// Builds the GP a suggestion is made from: chooses the training rows, standardises their losses, fits the
/// hyperparameters (warm-started from the previous fit and refitted as the data grow; both are part of the searcher's saved state) and adds the
/// running trials as kriging believers: each is conditioned on at the posterior mean, which leaves the mean alone and
/// shrinks the variance around it, so parallel suggestions spread out (Ginsbourger, Le Riche and Carraro 2010,
/// "Kriging is well-suited to parallelize optimization").
/// </summary>
internal sealed class GpModel(GpFeatures features, int maxObservations)
{
    /// <summary>The last fitted hyperparameters, or null before the first fit.</summary>
    public GpHyperparameters? Hyperparameters { get; set; }

    /// <summary>How many completed trials there were when the hyperparameters were last fitted.</summary>
    public int FittedOn { get; set; }

    public (GaussianProcess Gp, double Best) Build(Observations observations)
    {
        int[] rows = TrainingRows(observations);
        int n = rows.Length, d = features.Count;
        var z = new double[n * d];
        var losses = new double[n];
        for (int i = 0; i < n; i++)
        {
            features.Encode(observations.Row(rows[i]), z.AsSpan(i * d, d));
            losses[i] = observations.Loss(rows[i]);
        }
        double[] targets = Standardise(losses);
        // The first fit starts from the prior's centre, later ones from the last optimum. Past 50 trials the kernel is
        // refitted only once the data have grown by a tenth since the last fit: the fit costs tens of factorisations,
        // and 10 % more data barely moves the optimum (the refit schedule of SMAC and Spearmint's practice).
        int seen = observations.Count;
        if (Hyperparameters is null || seen < 50 || seen >= FittedOn + Math.Max(1, FittedOn / 10))
        {
            Hyperparameters = GpFit.Fit(z, d, targets, Hyperparameters ?? GpHyperparameters.Initial(d), Hyperparameters is null ? 100 : 30);
            FittedOn = seen;
        }
        var gp = new GaussianProcess(z, d, targets, Hyperparameters);
        double best = targets.Min();
        if (observations.Running.Count == 0)
            return (gp, best);

        var k = new double[n];
        var w = new double[n];
        var withRunning = new List<double>(z);
        var believed = new List<double>(targets);
        var row = new double[d];
        foreach (var (_, x) in observations.Running)
        {
            features.Encode(x, row);
            withRunning.AddRange(row);
            believed.Add(gp.Predict(row, k, w).Mean);
        }
        return (new GaussianProcess(withRunning.ToArray(), d, believed.ToArray(), Hyperparameters), best);
    }

    // An exact GP costs O(n³): beyond maxObservations rows, keep the better half by loss and the most recent others,
    // so the model stays sharp around the optimum and follows where the search is now.
    private int[] TrainingRows(Observations observations)
    {
        int count = observations.Count;
        if (count <= maxObservations)
            return Enumerable.Range(0, count).ToArray();
        var chosen = new HashSet<int>();
        foreach (int row in observations.ByLoss[..(maxObservations / 2)])
            chosen.Add(row);
        for (int row = count - 1; chosen.Count < maxObservations; row--)
            chosen.Add(row);
        return chosen.Order().ToArray();
    }

    // Zero mean and unit variance, then the Yeo–Johnson warp; infinite losses (a diverged trial) count as the worst finite one.
    private static double[] Standardise(double[] losses)
    {
        double[] finite = losses.Where(double.IsFinite).ToArray();
        double worst = finite.Length > 0 ? finite.Max() : 0, bestFinite = finite.Length > 0 ? finite.Min() : 0;
        double[] y = losses.Select(v => double.IsFinite(v) ? v : v > 0 ? worst : bestFinite).ToArray();
        double mean = y.Average();
        double sd = Math.Sqrt(y.Sum(v => (v - mean) * (v - mean)) / y.Length);
        if (!(sd > 0))
            sd = 1;
        return YeoJohnson.Warp(y.Select(v => (v - mean) / sd).ToArray());
    }
}
