using MathNet.Numerics.LinearAlgebra;
using TuneSharp.Search.BayesOpt;

namespace TuneSharp.Tests.Search.BayesOpt;

public sealed class GaussianProcessTests
{
    private static (double[] Features, double[] Targets) Data(int n, int d, int seed)
    {
        var random = new Random(seed);
        var features = new double[n * d];
        for (int i = 0; i < features.Length; i++)
            features[i] = random.NextDouble();
        var targets = new double[n];
        for (int i = 0; i < n; i++)
            targets[i] = Math.Sin(5 * features[i * d]) + (d > 1 ? features[i * d + 1] * features[i * d + 1] : 0) + 0.01 * random.NextDouble();
        return (features, targets);
    }

    [Fact]
    public void MaternKernel_MatchesTheClosedFormAtOneLengthScale()
    {
        // k(r) = (1 + √5 r + 5r²/3) e^{−√5 r}; at r = 1: (1 + 2.2360680 + 1.6666667) · 0.1068779 = 0.5239941.
        Assert.Equal(0.5239941, MaternKernel.Correlation(1), 6);
        Assert.Equal(1.0, MaternKernel.Correlation(0), 12);
    }

    [Fact]
    public void CholeskyInverse_EqualsMathNetsInverse()
    {
        var (features, targets) = Data(40, 3, 1);
        var gp = new GaussianProcess(features, 3, targets, GpHyperparameters.Initial(3));
        var hyper = GpHyperparameters.Initial(3);
        var k = GaussianProcess.FactorCovariance(features, 3, 40, hyper, hyper.InverseSquaredScales());
        Matrix<double> expected = k.Solve(Matrix<double>.Build.DenseIdentity(40));
        for (int i = 0; i < 40; i++)
            for (int j = 0; j < 40; j++)
                Assert.Equal(expected[i, j], gp.Inverse[i * 40 + j], 6);
    }

    [Fact]
    public void Posterior_InterpolatesObservationsAndIsUncertainFarAway()
    {
        double[] features = [0.1, 0.5, 0.9];
        double[] targets = [1, -1, 0.5];
        var hyper = new GpHyperparameters([Math.Log(0.2)], 0, Math.Log(1e-6));
        var gp = new GaussianProcess(features, 1, targets, hyper);
        var k = new double[3];
        var w = new double[3];
        var (mean, variance) = gp.Predict([0.5], k, w);
        Assert.Equal(-1, mean, 3);
        Assert.True(variance < 1e-4);
        var (_, farVariance) = gp.Predict([3.0], k, w);
        Assert.Equal(1, farVariance, 3); // back to the prior's signal variance
    }

    [Fact]
    public void PosteriorGradient_MatchesFiniteDifferences()
    {
        var (features, targets) = Data(25, 2, 2);
        var hyper = new GpHyperparameters([Math.Log(0.3), Math.Log(0.6)], Math.Log(1.5), Math.Log(1e-3));
        var gp = new GaussianProcess(features, 2, targets, hyper);
        var k = new double[25];
        var w = new double[25];
        double[] z = [0.37, 0.61];
        gp.Predict(z, k, w);
        var dMean = new double[2];
        var dVariance = new double[2];
        gp.Gradient(z, k, w, dMean, dVariance);
        const double h = 1e-6;
        for (int d = 0; d < 2; d++)
        {
            double[] up = (double[])z.Clone(), down = (double[])z.Clone();
            up[d] += h;
            down[d] -= h;
            var (m1, v1) = gp.Predict(up, k, w);
            var (m0, v0) = gp.Predict(down, k, w);
            Assert.Equal((m1 - m0) / (2 * h), dMean[d], 4);
            Assert.Equal((v1 - v0) / (2 * h), dVariance[d], 4);
        }
    }

    [Fact]
    public void MarginalLikelihoodGradient_MatchesFiniteDifferences()
    {
        var (features, targets) = Data(30, 2, 3);
        double[] theta = [Math.Log(0.4), Math.Log(0.7), Math.Log(0.8), Math.Log(1e-2)];
        var (_, gradient) = GpFit.NegativeLogPosterior(features, 2, targets, theta);
        const double h = 1e-5;
        for (int i = 0; i < theta.Length; i++)
        {
            double[] up = (double[])theta.Clone(), down = (double[])theta.Clone();
            up[i] += h;
            down[i] -= h;
            double numeric = (GpFit.NegativeLogPosterior(features, 2, targets, up).Value - GpFit.NegativeLogPosterior(features, 2, targets, down).Value) / (2 * h);
            Assert.Equal(numeric, gradient[i], 3);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-3.0)]
    [InlineData(-8.0)]
    [InlineData(-30.0)]
    public void LogExpectedImprovement_MatchesTheDirectFormulaAndStaysFiniteInTheTail(double z)
    {
        var (logH, ratio) = LogExpectedImprovement.LogH(z);
        Assert.True(double.IsFinite(logH) && double.IsFinite(ratio));
        if (z > -25)
        {
            double pdf = Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            double cdf = MathNet.Numerics.Distributions.Normal.CDF(0, 1, z);
            Assert.Equal(Math.Log(pdf + z * cdf), logH, 9);
        }
        // d log h/dz = Φ/h, checked by finite differences on both sides of the tail switch.
        const double step = 1e-5;
        double numeric = (LogExpectedImprovement.LogH(z + step).LogH - LogExpectedImprovement.LogH(z - step).LogH) / (2 * step);
        Assert.Equal(numeric, ratio, 3);
    }

    [Fact]
    public void YeoJohnson_IsMonotoneAndTamesAHeavyTail()
    {
        double[] y = [0, 0.1, 0.2, 0.5, 1, 3, 100, 1000];
        double mean = y.Average(), sd = Math.Sqrt(y.Sum(v => (v - mean) * (v - mean)) / y.Length);
        double[] warped = YeoJohnson.Warp(y.Select(v => (v - mean) / sd).ToArray());
        for (int i = 1; i < y.Length; i++)
            Assert.True(warped[i] > warped[i - 1]);
        // The six small values span 0.3 % of the range before the warp; compressing the tail spreads them out.
        double before = (y[5] - y[0]) / (y[7] - y[0]), after = (warped[5] - warped[0]) / (warped[7] - warped[0]);
        Assert.True(after > 5 * before, $"relative spread {before} before, {after} after");
    }
}
