using TuneSharp.Search;
using static TuneSharp.Tests.Search.CmaEs.CmaEsTestKit;

namespace TuneSharp.Tests.Search.CmaEs;

public class CmaEsConvergenceTests
{
    private static readonly double[] Target = [1, -2, 0.5, 3, -1];

    private static double Sphere(Config c) => Point(c, 4).Select((x, i) => Math.Pow(x - Target[i], 2)).Sum();

    // Axis scales from 1 to 100 (condition number 1e4 in the Hessian), rotated so the axes are not the coordinates:
    // only a learned covariance solves it quickly.
    private static double Ellipsoid(Config c)
    {
        double[] x = Point(c, 5);
        double sum = 0;
        for (int i = 0; i < 5; i++)
        {
            // A fixed rotation: each rotated coordinate mixes x_i with its neighbour.
            double d = (x[i] - Target[i]) * Math.Cos(0.6) + (x[(i + 1) % 5] - Target[(i + 1) % 5]) * Math.Sin(0.6);
            sum += Math.Pow(100, i / 4.0 * 2) * d * d;
        }
        return sum / 1e2;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Suggest_Sphere_ConvergesInThreeHundredEvaluations(int seed)
    {
        var history = Run(Setup(Cube(4), seed: seed), Sphere, 300);

        Assert.True(history.Min(h => h.Loss) < 1e-4, $"best {history.Min(h => h.Loss)}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Suggest_RotatedEllipsoid_LearnsTheCovariance(int seed)
    {
        // Learning C takes most of the first 600 evaluations; after that the convergence is linear, as on a sphere.
        var history = Run(Setup(Cube(5), seed: seed), Ellipsoid, 900);

        double start = history.Take(20).Min(h => h.Loss);
        Assert.True(history.Min(h => h.Loss) < 1e-6 * start, $"best {history.Min(h => h.Loss)}, first generations {start}");
    }

    [Fact]
    public void Suggest_MaximiseMode_ClimbsTheMetric()
    {
        var searcher = Setup(Cube(2), seed: 4, mode: Mode.Max);

        var history = Run(searcher, c => -Sphere4(c), 150);

        Assert.True(history.Max(h => h.Loss) > -1e-2, $"best {history.Max(h => h.Loss)}");
    }

    private static double Sphere4(Config c) => Point(c, 2).Select((x, i) => Math.Pow(x - Target[i], 2)).Sum();

    [Fact]
    public void Suggest_Integers_FindsTheExactOptimum()
    {
        var space = new SearchSpace { ["n"] = Tune.RandInt(0, 40), ["m"] = Tune.LogRandInt(1, 1000), ["x"] = Tune.Uniform(0, 1) };
        static double Objective(Config c) =>
            Math.Abs(c.Get<long>("n") - 29) + Math.Abs(Math.Log(c.Get<long>("m") / 70.0)) + Math.Pow(c.Get<double>("x") - 0.3, 2);

        var history = Run(Setup(space, seed: 3), Objective, 200);

        var best = history.MinBy(h => h.Loss).Config;
        Assert.Equal(29, best.Get<long>("n"));
        Assert.InRange(best.Get<long>("m"), 60, 80);
    }

    [Fact]
    public void Suggest_SphereOverSeeds_BeatsRandomSearch()
    {
        var cmaes = new List<double>();
        var random = new List<double>();
        for (int seed = 0; seed < 7; seed++)
        {
            cmaes.Add(Run(Setup(Cube(4), seed: seed), Sphere, 100).Min(h => h.Loss));
            var generator = new BasicVariantGenerator();
            generator.Setup(new SearcherSetup(Cube(4), "loss", Mode.Min, -1, seed));
            random.Add(Run(generator, Sphere, 100).Min(h => h.Loss));
        }

        Assert.True(Median(cmaes) < 0.1 * Median(random), $"CMA-ES median {Median(cmaes)}, random median {Median(random)}");
    }
}
