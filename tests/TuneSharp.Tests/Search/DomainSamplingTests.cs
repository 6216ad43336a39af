using TuneSharp.Search;

namespace TuneSharp.Tests.Search;

/// <summary>Distribution checks of every primitive: many draws from a fixed seed, so each check is
/// deterministic; tolerances are several standard errors wide.</summary>
public class DomainSamplingTests
{
    private const int Draws = 20_000;

    private static List<double> DrawDoubles(Domain domain, int seed = 42)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Draws).Select(_ => (double)domain.Sample(random, Config.Empty)!).ToList();
    }

    private static List<long> DrawLongs(Domain domain, int seed = 42)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Draws).Select(_ => (long)domain.Sample(random, Config.Empty)!).ToList();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double StdDev(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
    }

    private static bool IsMultiple(double value, double q) => Math.Abs(value / q - Math.Round(value / q)) < 1e-6;

    [Fact]
    public void Uniform_ManyDraws_StayInHalfOpenRangeWithMidpointMean()
    {
        var values = DrawDoubles(Tune.Uniform(-2, 3));
        Assert.All(values, v => Assert.InRange(v, -2, 3 - 1e-12));
        Assert.Equal(0.5, values.Average(), 0.05);
        Assert.True(values.Min() < -1.99 && values.Max() > 2.99, "draws should reach both ends of the range");
    }

    [Fact]
    public void QUniform_ManyDraws_AreExactMultiplesOfQIncludingBothBounds()
    {
        var values = DrawDoubles(Tune.QUniform(0, 1, 0.1));
        // Exact doubles 0.0, 0.1, …, 1.0: rounding leaves no binary noise such as 0.30000000000000004.
        var expected = Enumerable.Range(0, 11).Select(k => k / 10.0).ToHashSet();
        Assert.Equal(expected, values.ToHashSet());
    }

    [Fact]
    public void LogUniform_ManyDraws_MedianNearGeometricMean()
    {
        var values = DrawDoubles(Tune.LogUniform(1e-4, 1e-1));
        Assert.All(values, v => Assert.InRange(v, 1e-4, 1e-1));
        // Log-uniform: log10 is uniform on [-4, -1], so the median is 10^-2.5 = sqrt(1e-4 * 1e-1).
        Assert.Equal(-2.5, Math.Log10(Median(values)), 0.05);
        Assert.True(values.Average() > Median(values), "a log-uniform sample is skewed to the right");
    }

    [Fact]
    public void LogUniform_Base2_LogIsUniformOverTheRange()
    {
        var values = DrawDoubles(Tune.LogUniform(1, 1024, logBase: 2));
        Assert.All(values, v => Assert.InRange(v, 1, 1024));
        var logs = values.Select(Math.Log2).ToList();
        Assert.Equal(5, Median(logs), 0.15);
        // Each unit of log2 holds about a tenth of the draws.
        Assert.InRange(logs.Count(l => l < 1) / (double)Draws, 0.09, 0.11);
    }

    [Fact]
    public void QLogUniform_ManyDraws_MultiplesOfQWithinBoundsAndLogMedian()
    {
        var values = DrawDoubles(Tune.QLogUniform(1e-4, 1e-1, 5e-5));
        Assert.All(values, v =>
        {
            Assert.InRange(v, 1e-4, 1e-1);
            Assert.True(IsMultiple(v, 5e-5), $"{v} is not a multiple of 5e-5");
        });
        Assert.Equal(-2.5, Math.Log10(Median(values)), 0.05);
    }

    [Fact]
    public void Randn_ManyDraws_HaveTheGivenMeanAndStandardDeviation()
    {
        var values = DrawDoubles(Tune.Randn(5, 2));
        Assert.Equal(5, values.Average(), 0.05);
        Assert.Equal(2, StdDev(values), 0.05);
    }

    [Fact]
    public void QRandn_ManyDraws_AreMultiplesOfQAroundTheMean()
    {
        var values = DrawDoubles(Tune.QRandn(0, 1, 0.5));
        Assert.All(values, v => Assert.True(IsMultiple(v, 0.5), $"{v} is not a multiple of 0.5"));
        Assert.Equal(0, values.Average(), 0.05);
        Assert.Contains(-1.5, values);
        Assert.Contains(1.5, values);
    }

    [Fact]
    public void RandInt_ManyDraws_HitEveryValueButTheExclusiveUpperBound()
    {
        var values = DrawLongs(Tune.RandInt(0, 5));
        Assert.Equal([0L, 1, 2, 3, 4], values.Distinct().Order());
        foreach (var group in values.GroupBy(v => v))
            Assert.InRange(group.Count() / (double)Draws, 0.18, 0.22);
    }

    [Fact]
    public void QRandInt_ManyDraws_IncludeTheUpperBound()
    {
        Assert.Equal([0L, 5, 10], DrawLongs(Tune.QRandInt(0, 10, 5)).Distinct().Order());
        Assert.Equal([1L, 2, 3, 4, 5, 6], DrawLongs(Tune.QRandInt(1, 6)).Distinct().Order());
    }

    [Fact]
    public void QRandInt_OnlyOneMultipleInRange_AlwaysDrawsIt()
    {
        var domain = Tune.QRandInt(4, 6, 5);
        domain.Validate("k");
        Assert.Equal([5L], DrawLongs(domain).Distinct());
    }

    [Fact]
    public void LogRandInt_ManyDraws_HitEveryValueWithLogFrequencies()
    {
        var values = DrawLongs(Tune.LogRandInt(1, 100));
        Assert.Equal(Enumerable.Range(1, 99).Select(i => (long)i), values.Distinct().Order());
        // floor of a log-uniform on [1, 100): P(1) = log(2)/log(100) = 0.1505; the median is 9 or 10.
        Assert.InRange(values.Count(v => v == 1) / (double)Draws, 0.13, 0.17);
        Assert.InRange(Median(values.Select(v => (double)v)), 9, 10);
    }

    [Fact]
    public void QLogRandInt_ManyDraws_AreMultiplesIncludingTheUpperBound()
    {
        var values = DrawLongs(Tune.QLogRandInt(4, 64, 4));
        Assert.Equal(Enumerable.Range(1, 16).Select(i => 4L * i), values.Distinct().Order());
        // Log scale: small values are far more frequent than large ones.
        Assert.True(values.Count(v => v == 4) > 5 * values.Count(v => v == 64));
    }

    [Fact]
    public void Choice_ManyDraws_PickEachCategoryUniformly()
    {
        var random = new Random(7);
        var domain = Tune.Choice("relu", "tanh", "gelu");
        var values = Enumerable.Range(0, Draws).Select(_ => (string)domain.Sample(random, Config.Empty)!).ToList();
        foreach (string category in new[] { "relu", "tanh", "gelu" })
            Assert.InRange(values.Count(v => v == category) / (double)Draws, 0.31, 0.36);
    }

    [Fact]
    public void Choice_FromEnumerable_KeepsTheCategoriesInOrder()
    {
        var domain = Tune.Choice(new List<int> { 16, 32, 64 });
        Assert.Equal([16, 32, 64], domain.Categories);
    }

    [Fact]
    public void Sample_SameSeed_GivesTheSameSequence()
    {
        Domain[] domains = [Tune.Uniform(0, 1), Tune.LogUniform(1e-5, 1), Tune.Randn(), Tune.RandInt(0, 1000), Tune.Choice(1, 2, 3)];
        foreach (Domain domain in domains)
        {
            Random a = new(123), b = new(123), c = new(124);
            var first = Enumerable.Range(0, 50).Select(_ => domain.Sample(a, Config.Empty)).ToList();
            var second = Enumerable.Range(0, 50).Select(_ => domain.Sample(b, Config.Empty)).ToList();
            var other = Enumerable.Range(0, 50).Select(_ => domain.Sample(c, Config.Empty)).ToList();
            Assert.Equal(first, second);
            Assert.NotEqual(first, other);
        }
    }

    [Fact]
    public void QLogRandInt_LowerBelowQ_SamplesTheRangeBetweenTheFirstAndLastMultipleAsRay()
    {
        var values = DrawLongs(Tune.QLogRandInt(1, 1000, 100));

        Assert.All(values, v => Assert.True(v is >= 100 and <= 1000 && v % 100 == 0, $"{v}"));
        // Log-uniform on [100, 1000], rounded: 100 takes [100, 150), log10(1.5) = 0.176 of the mass (was 0.73).
        Assert.InRange(values.Count(v => v == 100) / (double)Draws, 0.165, 0.187);
    }

    [Fact]
    public void QRandInt_UpperNotAMultiple_EachMultipleAlike()
    {
        var values = DrawLongs(Tune.QRandInt(0, 10, 4));

        Assert.Equal([0L, 4, 8], values.Distinct().Order());
        Assert.All(values.GroupBy(v => v), g => Assert.InRange(g.Count() / (double)Draws, 0.32, 0.347)); // the top one got 0.45
    }

    [Fact]
    public void QUniform_QuantumNoDecimalHolds_ValuesAreExactMultiples()
    {
        double third = 1.0 / 3;
        Assert.Equal([0.0, third, 2 * third, 1.0], DrawDoubles(Tune.QUniform(0, 1, third)).Distinct().Order());
        Assert.True(DrawDoubles(Tune.QUniform(1e-27, 1e-26, 1e-30)).Distinct().Count() > 100); // all 1e-27 before
        Assert.Contains(0.3, DrawDoubles(Tune.QUniform(0, 1, 0.1))); // decimal still spares 0.30000000000000004
    }

    [Fact]
    public void Validate_IntegerRangeTooWideToCount_IsRefused()
    {
        var error = Assert.Throws<TuneException>(() => new SearchSpace { ["n"] = Tune.QRandInt(0, long.MaxValue) }.Validate());
        Assert.Contains("too wide", error.Message);
    }
}
