using TuneSharp.Search;
using TuneSharp.Search.Bohb;
using TuneSharp.Search.Encoding;

namespace TuneSharp.Tests.Search.Bohb;

/// <summary>BOHB's product-kernel KDE against values worked out by hand from the normal reference rule
/// (1.06 · σ · n^(−1/(d+4))), the Gaussian kernel and the Aitchison–Aitken kernel.</summary>
public class BohbKdeTests
{
    private static EncodedSpace Space(SearchSpace space) => new(space, nameof(BohbSearch));

    [Fact]
    public void Continuous_TwoPoints_BandwidthAndDensityAreTheNormalReferenceKde()
    {
        // x in [0, 10] → unit 0.2 and 0.4; σ = 0.1, n = 2, d = 1: h = 1.06 · 0.1 · 2^(−1/5).
        var kde = new BohbKde(Space(new SearchSpace { ["x"] = Tune.Uniform(0, 10) }), [[0.2], [0.4]], minBandwidth: 1e-3);

        Assert.Equal(0.09227835970938916, kde.Bandwidths[0], 12);
        // Midway both kernels give φ(0.1/h)/h; at 0.2 one gives φ(0)/h and the other φ(0.2/h)/h.
        Assert.Equal(Math.Log(2.403265448703846), kde.LogDensity([0.3]), 10);
        Assert.Equal(Math.Log(2.3680416856881963), kde.LogDensity([0.2]), 10);
    }

    [Fact]
    public void Categorical_AitchisonAitkenKernel_KeepsTheCategoryWithOneMinusLambda()
    {
        // Codes 0, 0, 1 of three categories: σ = √(2/9), λ = 1.06 · σ · 3^(−1/5) ≈ 0.401 (below the cap of 2/3).
        var kde = new BohbKde(Space(new SearchSpace { ["c"] = Tune.Choice("a", "b", "c") }), [[0], [0], [1]], minBandwidth: 1e-3);

        Assert.Equal(0.4011209613150635, kde.Bandwidths[0], 12);
        // p(a) = (2(1 − λ) + λ/2)/3, p(c) = (3 · λ/2)/3; the three probabilities sum to 1.
        Assert.Equal(Math.Log(0.46610618600913495), kde.LogDensity([0]), 10);
        Assert.Equal(Math.Log(0.20056048065753174), kde.LogDensity([2]), 10);
        Assert.Equal(1.0, Enumerable.Range(0, 3).Sum(c => Math.Exp(kde.LogDensity([c]))), 12);
    }

    [Fact]
    public void Product_NumericAndCategorical_MultipliesTheKernelsPerObservation()
    {
        var space = Space(new SearchSpace { ["x"] = Tune.Uniform(0, 1), ["c"] = Tune.Choice("a", "b") });
        var kde = new BohbKde(space, [[0.2, 0], [0.6, 1], [0.4, 0]], minBandwidth: 1e-3);

        // d = 2: h = 1.06 · σ(0.2, 0.6, 0.4) · 3^(−1/6); λ = 1.06 · σ(0, 1, 0) · 3^(−1/6), under the cap of 1/2.
        Assert.Equal(0.14413518912098905, kde.Bandwidths[0], 12);
        Assert.Equal(0.4160824511935033, kde.Bandwidths[1], 12);
        Assert.Equal(Math.Log(0.769265853074722), kde.LogDensity([0.5, 1]), 10);
    }

    [Fact]
    public void IdenticalValues_BandwidthIsTheMinimum_AndCategoricalLambdaIsCapped()
    {
        var space = Space(new SearchSpace { ["x"] = Tune.Uniform(0, 1), ["c"] = Tune.Choice("a", "b") });
        var same = new BohbKde(space, [[0.5, 0], [0.5, 0], [0.5, 0]], minBandwidth: 0.01);
        Assert.Equal(0.01, same.Bandwidths[0]);
        Assert.Equal(0.01, same.Bandwidths[1]);

        // Codes 0 and 2 of three: the rule gives λ = 1.06 · 1 · 2^(−1/5) ≈ 0.92 > 2/3, capped at the uniform kernel.
        var spread = new BohbKde(Space(new SearchSpace { ["c"] = Tune.Choice("a", "b", "c") }), [[0], [2]], minBandwidth: 1e-3);
        Assert.Equal(2.0 / 3, spread.Bandwidths[0]);
    }

    [Fact]
    public void NormalReference_FewerThanTwoValues_IsZero()
    {
        Assert.Equal(0, BohbKde.NormalReference([0.3], 2));
        Assert.Equal(0, BohbKde.NormalReference([], 2));
    }

    [Fact]
    public void Sample_WidenedKernels_StayInsideTheRangeAndOnTheGrid()
    {
        var space = Space(new SearchSpace { ["x"] = Tune.Uniform(0, 1), ["n"] = Tune.QRandInt(8, 64, 8), ["c"] = Tune.Choice("a", "b", "c") });
        var rows = new List<double[]> { UnitScale.ToUnit(space, [0.99, space.Parameters[1].ToInternal(64), 2]) };
        var kde = new BohbKde(space, rows, minBandwidth: 0.05);
        var counts = new int[3];
        for (int i = 0; i < 500; i++)
        {
            double[] x = kde.Sample(0, widening: 3, SplitMix64.Stream(7, i));
            Assert.InRange(space.Parameters[0].ToValue(x[0]), 0, 1);
            double n = space.Parameters[1].ToValue(x[1]);
            Assert.InRange(n, 8, 64);
            Assert.Equal(0, n % 8);
            counts[(int)x[2]]++;
        }
        // One observation: λ is the minimum 0.05, widened to 0.15: "c" is kept about 85% of the time.
        Assert.InRange(counts[2] / 500.0, 0.78, 0.92);
        Assert.True(counts[0] > 0 && counts[1] > 0);
    }

    [Fact]
    public void Split_FollowsEquationsTwoAndThree()
    {
        // n = N_min + 2 = 6, N_min = 4: four best and four worst (they overlap), as the paper writes.
        Assert.Equal((4, 4), BohbModel.Split(6, 15, 4));
        Assert.Equal((4, 16), BohbModel.Split(20, 15, 4));
        Assert.Equal((15, 85), BohbModel.Split(100, 15, 4));
    }
}
