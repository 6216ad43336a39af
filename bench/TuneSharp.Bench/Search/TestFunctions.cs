namespace TuneSharp.Bench.Search;

/// <summary>A standard optimisation test function (minimise) with a known global minimum for a self-check.</summary>
/// <param name="Dimensions">The fixed dimension, or null when any d >= 2 works (the suite's parameter count decides).</param>
internal sealed record TestFunction(string Name, int? Dimensions, Func<double[], double> Evaluate, Func<int, (double[] X, double F)> KnownMinimum);

/// <summary>
/// The registry of standard test functions suites refer to by name (definitions as in Surjanovic and Bingham's
/// Virtual Library of Simulation Experiments, and BoTorch's test_functions). The n-dimensional ones take their
/// dimension from the point they are given.
/// </summary>
internal static class TestFunctions
{
    private static readonly double[] HartmannAlpha = [1.0, 1.2, 3.0, 3.2];

    private static readonly double[,] Hartmann3A = { { 3, 10, 30 }, { 0.1, 10, 35 }, { 3, 10, 30 }, { 0.1, 10, 35 } };
    private static readonly double[,] Hartmann3P =
        { { 0.3689, 0.1170, 0.2673 }, { 0.4699, 0.4387, 0.7470 }, { 0.1091, 0.8732, 0.5547 }, { 0.0381, 0.5743, 0.8828 } };

    private static readonly double[,] Hartmann6A =
    {
        { 10, 3, 17, 3.5, 1.7, 8 }, { 0.05, 10, 17, 0.1, 8, 14 }, { 3, 3.5, 1.7, 10, 17, 8 }, { 17, 8, 0.05, 10, 0.1, 14 },
    };
    private static readonly double[,] Hartmann6P =
    {
        { 0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886 }, { 0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991 },
        { 0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650 }, { 0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381 },
    };

    public static IReadOnlyDictionary<string, TestFunction> All { get; } = new TestFunction[]
    {
        new("branin", 2, Branin, _ => ([Math.PI, 2.275], 0.39788735772973816)),
        new("hartmann3", 3, x => Hartmann(x, Hartmann3A, Hartmann3P), _ => ([0.114614, 0.555649, 0.852547], -3.86278214782076)),
        new("hartmann6", 6, x => Hartmann(x, Hartmann6A, Hartmann6P),
            _ => ([0.20168951, 0.15001069, 0.47687398, 0.27533243, 0.31165162, 0.65730054], -3.3223680114155147)),
        new("rosenbrock", null, Rosenbrock, d => (Filled(d, 1), 0)),
        new("ackley", null, Ackley, d => (Filled(d, 0), 0)),
        new("levy", null, Levy, d => (Filled(d, 1), 0)),
        new("rastrigin", null, Rastrigin, d => (Filled(d, 0), 0)),
        new("styblinski_tang", null, StyblinskiTang, d => (Filled(d, -2.903534018185960), -39.16616570377142 * d)),
        new("six_hump_camel", 2, SixHumpCamel, _ => ([0.0898420131003, -0.712656403020], -1.031628453489877)),
        new("goldstein_price", 2, GoldsteinPrice, _ => ([0, -1], 3)),
    }.ToDictionary(f => f.Name);

    private static double[] Filled(int d, double value) => Enumerable.Repeat(value, d).ToArray();

    private static double Branin(double[] x)
    {
        double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        double inner = x[1] - b * x[0] * x[0] + c * x[0] - 6;
        return inner * inner + 10 * (1 - t) * Math.Cos(x[0]) + 10;
    }

    private static double Hartmann(double[] x, double[,] a, double[,] p)
    {
        double sum = 0;
        for (int i = 0; i < 4; i++)
        {
            double inner = 0;
            for (int j = 0; j < x.Length; j++)
                inner += a[i, j] * (x[j] - p[i, j]) * (x[j] - p[i, j]);
            sum += HartmannAlpha[i] * Math.Exp(-inner);
        }
        return -sum;
    }

    private static double Rosenbrock(double[] x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length - 1; i++)
            sum += 100 * Math.Pow(x[i + 1] - x[i] * x[i], 2) + Math.Pow(x[i] - 1, 2);
        return sum;
    }

    private static double Ackley(double[] x)
    {
        double squares = x.Sum(v => v * v) / x.Length, cosines = x.Sum(v => Math.Cos(2 * Math.PI * v)) / x.Length;
        return -20 * Math.Exp(-0.2 * Math.Sqrt(squares)) - Math.Exp(cosines) + 20 + Math.E;
    }

    private static double Levy(double[] x)
    {
        double W(int i) => 1 + (x[i] - 1) / 4;
        int d = x.Length;
        double sum = Math.Pow(Math.Sin(Math.PI * W(0)), 2);
        for (int i = 0; i < d - 1; i++)
            sum += Math.Pow(W(i) - 1, 2) * (1 + 10 * Math.Pow(Math.Sin(Math.PI * W(i) + 1), 2));
        return sum + Math.Pow(W(d - 1) - 1, 2) * (1 + Math.Pow(Math.Sin(2 * Math.PI * W(d - 1)), 2));
    }

    private static double Rastrigin(double[] x) => 10 * x.Length + x.Sum(v => v * v - 10 * Math.Cos(2 * Math.PI * v));

    private static double StyblinskiTang(double[] x) => 0.5 * x.Sum(v => v * v * v * v - 16 * v * v + 5 * v);

    private static double SixHumpCamel(double[] x)
    {
        double a = x[0], b = x[1];
        return (4 - 2.1 * a * a + a * a * a * a / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b;
    }

    private static double GoldsteinPrice(double[] x)
    {
        double a = x[0], b = x[1];
        double first = 1 + Math.Pow(a + b + 1, 2) * (19 - 14 * a + 3 * a * a - 14 * b + 6 * a * b + 3 * b * b);
        double second = 30 + Math.Pow(2 * a - 3 * b, 2) * (18 - 32 * a + 12 * a * a + 48 * b - 36 * a * b + 27 * b * b);
        return first * second;
    }

    /// <summary>Checks every function at its known minimum (for d = 2..6); returns the failures.</summary>
    public static IEnumerable<string> SelfCheck()
    {
        foreach (TestFunction function in All.Values)
            foreach (int d in function.Dimensions is { } fixedD ? [fixedD] : new[] { 2, 3, 4, 5, 6 })
            {
                var (x, expected) = function.KnownMinimum(d);
                double actual = function.Evaluate(x);
                if (!Close(actual, expected, 1e-6))
                    yield return $"{function.Name} (d={d}) gives {actual} at its known minimum, expected {expected}";
            }
    }

    public static bool Close(double actual, double expected, double tolerance) =>
        Math.Abs(actual - expected) <= tolerance * Math.Max(1.0, Math.Abs(expected));
}
