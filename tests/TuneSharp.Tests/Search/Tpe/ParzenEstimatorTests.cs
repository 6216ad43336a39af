using TuneSharp.Search.Encoding;
using MathNet.Numerics.Distributions;
using TuneSharp.Search;
using TuneSharp.Search.Tpe;

namespace TuneSharp.Tests.Search.Tpe;

public class ParzenEstimatorTests
{
    private static readonly TpeSettings Univariate = new(Multivariate: false, Gamma: 0.1, Split: TpeSplit.Linear, MaxBelow: 25,
        Weighting: TpeWeighting.Uniform, PriorWeight: 1.0, MagicClip: true, ConsiderEndpoints: false, NEiCandidates: 24, BandwidthFactor: 0.2);

    private static EncodedParameter[] Parameters(SearchSpace space) => new EncodedSpace(space, "TpeSearch").Parameters.ToArray();

    private static ParzenEstimator Fit(EncodedParameter[] dims, double[][] rows, TpeSettings settings, double[]? weights = null)
    {
        int stride = rows.Length == 0 ? dims.Length : rows[0].Length;
        double[] data = rows.SelectMany(r => r).ToArray();
        var estimator = new ParzenEstimator();
        estimator.Fit(dims, data, stride, Enumerable.Range(0, rows.Length).ToArray(), weights ?? Enumerable.Repeat(1.0, rows.Length).ToArray(), settings);
        return estimator;
    }

    // A Gaussian truncated to [low, high], computed with MathNet's Normal rather than the code under test.
    private static double TruncatedPdf(double x, double mu, double sigma, double low, double high) =>
        Normal.PDF(mu, sigma, x) / (Normal.CDF(mu, sigma, high) - Normal.CDF(mu, sigma, low));

    [Fact]
    public void Fit_UnivariateTwoObservations_UsesNeighbourWidthsMagicClipAndPrior()
    {
        EncodedParameter[] dims = Parameters(new SearchSpace { ["x"] = Tune.Uniform(0, 10) });

        var estimator = Fit(dims, [[2.0], [6.0]], Univariate);

        // Sorted means 2, 5 (prior), 6. Without endpoints the outer kernels take their inner neighbour's
        // distance: 3 for x=2, 1 for x=6, which the magic clip raises to 10 / min(100, 1 + 3 kernels) = 2.5.
        // The prior is centred with the full range as width.
        Assert.Equal([2.0, 6.0, 5.0], estimator.Means(0).ToArray());
        Assert.Equal([3.0, 2.5, 10.0], estimator.Sigmas(0).ToArray());
        double expected = (TruncatedPdf(3, 2, 3, 0, 10) + TruncatedPdf(3, 6, 2.5, 0, 10) + TruncatedPdf(3, 5, 10, 0, 10)) / 3;
        Assert.Equal(Math.Log(expected), estimator.LogPdf([3.0]), 12);
    }

    [Fact]
    public void Fit_ConsiderEndpoints_MeasuresOuterKernelsToTheBounds()
    {
        EncodedParameter[] dims = Parameters(new SearchSpace { ["x"] = Tune.Uniform(0, 10) });

        var estimator = Fit(dims, [[2.0], [6.0]], Univariate with { ConsiderEndpoints = true, MagicClip = false });

        // x=2: max(2 - 0, 5 - 2) = 3; x=6: max(6 - 5, 10 - 6) = 4.
        Assert.Equal([3.0, 4.0, 10.0], estimator.Sigmas(0).ToArray());
    }

    [Fact]
    public void Fit_MultivariateOnTwoDimensions_UsesScottsRuleAndSumsProductKernels()
    {
        EncodedParameter[] dims = Parameters(new SearchSpace { ["a"] = Tune.Uniform(0, 10), ["b"] = Tune.Uniform(-1, 1) });
        var settings = Univariate with { Multivariate = true, MagicClip = false, PriorWeight = 0.5 };

        var estimator = Fit(dims, [[1.0, 0.5], [4.0, -0.5], [8.0, 0.0]], settings, weights: [1.0, 2.0, 1.0]);

        // Scott's rule: 0.2 * n^(-1/(d+4)) * range with n = 3 observations and d = 2.
        double factor = 0.2 * Math.Pow(3, -1.0 / 6);
        Assert.Equal(factor * 10, estimator.Sigmas(0)[0], 12);
        Assert.Equal(factor * 2, estimator.Sigmas(1)[1], 12);
        double[] point = [3.0, 0.2];
        double[] w = [1 / 4.5, 2 / 4.5, 1 / 4.5, 0.5 / 4.5];
        double[][] mu = [[1, 0.5], [4, -0.5], [8, 0], [5, 0]];
        double[][] sd = [[factor * 10, factor * 2], [factor * 10, factor * 2], [factor * 10, factor * 2], [10, 2]];
        double expected = 0;
        for (int k = 0; k < 4; k++)
            expected += w[k] * TruncatedPdf(point[0], mu[k][0], sd[k][0], 0, 10) * TruncatedPdf(point[1], mu[k][1], sd[k][1], -1, 1);
        Assert.Equal(Math.Log(expected), estimator.LogPdf(point), 12);
    }

    [Fact]
    public void LogPdf_Categorical_MatchesOptunasSmoothedKernel()
    {
        EncodedParameter[] dims = Parameters(new SearchSpace { ["c"] = Tune.Choice("a", "b", "c") });

        var estimator = Fit(dims, [[0.0], [0.0], [2.0]], Univariate);

        // Each observation: (1 + w) / (1 + 3w) on its own category, w / (1 + 3w) elsewhere, w = 1/(3+1);
        // the prior is uniform; four kernels of weight 1/4.
        double top = 1.25 / 1.75, other = 0.25 / 1.75;
        Assert.Equal(Math.Log((2 * top + other + 1.0 / 3) / 4), estimator.LogPdf([0.0]), 12);
        Assert.Equal(Math.Log((3 * other + 1.0 / 3) / 4), estimator.LogPdf([1.0]), 12);
        Assert.Equal(Math.Log((2 * other + top + 1.0 / 3) / 4), estimator.LogPdf([2.0]), 12);
    }

    [Fact]
    public void LogPdf_Integer_IsTheMassOfTheValuesCell()
    {
        EncodedParameter[] dims = Parameters(new SearchSpace { ["n"] = Tune.RandInt(0, 5) });

        var estimator = Fit(dims, [[1.0], [3.0]], Univariate);

        // Values 0..4 own cells of width 1, so kernels live on [-0.5, 4.5] (range 5); means 1, 2 (prior), 3 are 1
        // apart, which the magic clip raises to 5 / min(100, 1 + 3) = 1.25.
        Assert.Equal([1.25, 1.25, 5.0], estimator.Sigmas(0).ToArray());
        double Mass(double mu, double sd) => (Normal.CDF(mu, sd, 2.5) - Normal.CDF(mu, sd, 1.5)) / (Normal.CDF(mu, sd, 4.5) - Normal.CDF(mu, sd, -0.5));
        double expected = (Mass(1, 1.25) + Mass(3, 1.25) + Mass(2, 5)) / 3;
        Assert.Equal(Math.Log(expected), estimator.LogPdf([2.0]), 12);
        // The masses of all five values add up to one.
        double total = Enumerable.Range(0, 5).Sum(v => Math.Exp(estimator.LogPdf([(double)v])));
        Assert.Equal(1.0, total, 12);
    }

    [Fact]
    public void LogPdf_LogUniform_IsADensityInTheLogarithm()
    {
        EncodedParameter[] dims = Parameters(new SearchSpace { ["lr"] = Tune.LogUniform(1e-4, 1e-1) });

        var estimator = Fit(dims, [], Univariate);

        // With no observations only the prior is left: a Gaussian on [ln 1e-4, ln 1e-1] centred with the range as width.
        double low = Math.Log(1e-4), high = Math.Log(1e-1);
        Assert.Equal(Math.Log(TruncatedPdf(Math.Log(1e-3), (low + high) / 2, high - low, low, high)), estimator.LogPdf([Math.Log(1e-3)]), 12);
    }

    [Fact]
    public void Sample_FixedSeed_StaysInBoundsAndFollowsTheMixture()
    {
        EncodedParameter[] dims = Parameters(new SearchSpace { ["x"] = Tune.Uniform(0, 10), ["c"] = Tune.Choice("a", "b", "c") });
        var estimator = Fit(dims, [[2.0, 0.0], [2.5, 0.0], [3.0, 0.0]], Univariate with { Multivariate = true });
        var random = new SplitMix64(7);
        var x = new double[2];
        int firstCategory = 0;
        double sum = 0;
        const int Draws = 20_000;

        for (int i = 0; i < Draws; i++)
        {
            estimator.Sample(random, x);
            Assert.InRange(x[0], 0, 10);
            firstCategory += x[1] == 0 ? 1 : 0;
            sum += x[0];
        }

        // P(c = "a") = 3/4 · (1 + 1/4)/(1 + 3/4) + 1/4 · 1/3 = 0.619; E[x] is near 2.5 for the three
        // observation kernels and near 5 for the prior (weights 3/4 and 1/4).
        Assert.InRange(firstCategory / (double)Draws, 0.60, 0.64);
        Assert.InRange(sum / Draws, 2.9, 3.6);
    }

    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.8413447460685429, 1.0)]
    [InlineData(0.0013498980316301, -3.0)]
    public void TruncatedNormal_UntruncatedSample_IsTheNormalQuantile(double u, double z)
    {
        Assert.Equal(z, TruncatedNormal.Sample(0, 1, double.NegativeInfinity, double.PositiveInfinity, u), 9);
    }

    [Fact]
    public void TruncatedNormal_IntervalFarInTheUpperTail_SamplesInsideIt()
    {
        // [6, 7] standard deviations: computed on the mirrored lower tail, where the CDF keeps its precision.
        double median = TruncatedNormal.Sample(0, 1, 6, 7, 0.5);

        Assert.InRange(median, 6.0, 6.2);
        Assert.Equal(6.0, TruncatedNormal.Sample(0, 1, 6, 7, 0.0), 9);
    }
}
