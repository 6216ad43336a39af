using System.Text.Json;
using TuneSharp.Search;

namespace TuneSharp.Bench.Schedulers;

/// <summary>
/// The synthetic learning-curve benchmark of <c>shared/bench/curves.json</c>: each configuration (lr, width, reg)
/// has a deterministic accuracy curve acc(t) = a − b·exp(−c·t) + noise(t) for epochs t = 1..MaxEpochs.
/// </summary>
internal sealed class LearningCurves
{
    private static readonly string[] ParameterNames = ["lr", "width", "reg"];

    private LearningCurves(IReadOnlyList<(string Name, double Low, double High, bool Log)> parameters, int configs, int maxEpochs)
    {
        Parameters = parameters;
        Configs = configs;
        MaxEpochs = maxEpochs;
    }

    public IReadOnlyList<(string Name, double Low, double High, bool Log)> Parameters { get; }

    /// <summary>Configurations per seed (the file's n_configs).</summary>
    public int Configs { get; }

    /// <summary>Epochs of a full run (the file's max_epochs).</summary>
    public int MaxEpochs { get; }

    /// <summary>The search space the searcher samples: each parameter's bounds and scale as the file gives them.</summary>
    public SearchSpace Space()
    {
        var space = new SearchSpace();
        foreach (var (name, low, high, log) in Parameters)
            space.Add(name, log ? Tune.LogUniform(low, high) : Tune.Uniform(low, high));
        return space;
    }

    /// <summary>The curve's parameters, transcribed from the file's "formula" (checked against its test vectors).</summary>
    public static (double A, double B, double C) Coefficients(double lr, double width, double reg)
    {
        double x = Math.Log10(lr);
        double a = 0.95 - 0.06 * Sq(x + 2.5) - 0.15 * Sq(width - 0.7) - 0.10 * Sq(reg - 0.3);
        return (a, a - 0.10, 0.10 * Math.Pow(10, 0.35 * (x + 2.5)) * (1.5 - width));
    }

    /// <summary>Validation accuracy after <paramref name="epoch"/> epochs.</summary>
    public static double Accuracy(double lr, double width, double reg, int epoch)
    {
        var (a, b, c) = Coefficients(lr, width, reg);
        double x = Math.Log10(lr);
        double ph1 = 3 * x + 7 * width + 11 * reg, ph2 = 5 * x - 13 * width + 17 * reg;
        double noise = 0.004 * (Math.Sin(1.7 * epoch + ph1) + Math.Sin(4.3 * epoch + ph2));
        return a - b * Math.Exp(-c * epoch) + noise;
    }

    public static double Accuracy(Config config, int epoch) =>
        Accuracy(config.Get<double>("lr"), config.Get<double>("width"), config.Get<double>("reg"), epoch);

    /// <summary>Reads the file and checks the transcribed formula against every test vector: a benchmark of
    /// the wrong curves would compare schedulers on a problem nobody else ran.</summary>
    public static LearningCurves Load(string path)
    {
        if (!File.Exists(path))
            throw new BenchArgumentException($"Option '--curves' is '{path}', which is not a file; give ../shared/bench/curves.json.");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = document.RootElement;
        var parameters = root.GetProperty("params").EnumerateArray().Select(p => (
            p.GetProperty("name").GetString()!, p.GetProperty("low").GetDouble(), p.GetProperty("high").GetDouble(),
            p.TryGetProperty("log", out JsonElement log) && log.GetBoolean())).ToList();
        if (!parameters.Select(p => p.Item1).Order().SequenceEqual(ParameterNames.Order()))
            throw new InvalidOperationException($"{path}: parameters are {string.Join(", ", parameters.Select(p => p.Item1))}; the formula here reads lr, width and reg.");
        foreach (JsonElement vector in root.GetProperty("test_vectors").EnumerateArray())
            Check(vector);
        return new LearningCurves(parameters, root.GetProperty("n_configs").GetInt32(), root.GetProperty("max_epochs").GetInt32());
    }

    private static void Check(JsonElement vector)
    {
        JsonElement config = vector.GetProperty("config");
        double lr = config.GetProperty("lr").GetDouble(), width = config.GetProperty("width").GetDouble(), reg = config.GetProperty("reg").GetDouble();
        var (a, b, c) = Coefficients(lr, width, reg);
        var checks = new List<(string What, double Expected, double Actual)>
        {
            ("a", vector.GetProperty("a").GetDouble(), a),
            ("b", vector.GetProperty("b").GetDouble(), b),
            ("c", vector.GetProperty("c").GetDouble(), c),
        };
        foreach (JsonProperty point in vector.GetProperty("acc").EnumerateObject())
        {
            int epoch = int.Parse(point.Name, System.Globalization.CultureInfo.InvariantCulture);
            checks.Add(($"acc({epoch})", point.Value.GetDouble(), Accuracy(lr, width, reg, epoch)));
        }
        foreach (var (what, expected, actual) in checks)
            if (!(Math.Abs(expected - actual) <= 1e-12))
                throw new InvalidOperationException(
                    $"Learning-curve self-check failed at lr={lr:R}, width={width:R}, reg={reg:R}: {what} is {actual:R}, the file says {expected:R}.");
    }

    private static double Sq(double v) => v * v;
}
