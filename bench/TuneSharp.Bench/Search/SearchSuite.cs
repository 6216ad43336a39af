using System.Text.Json;
using TuneSharp.Search;

namespace TuneSharp.Bench.Search;

/// <summary>One objective of a suite file (format of shared/bench/suite.json).</summary>
internal sealed record SuiteEntry(string Name, TestFunction Function, IReadOnlyList<SuiteParameter> Parameters, double Optimum,
    IReadOnlyList<(Dictionary<string, double> X, double F)> TestVectors, JsonElement? Reference)
{
    /// <summary>The search space the searcher sees: each parameter's type and bounds as the file gives them.</summary>
    public SearchSpace Space()
    {
        var space = new SearchSpace();
        foreach (SuiteParameter p in Parameters)
            space.Add(p.Name, p.Domain());
        return space;
    }

    /// <summary>The objective at a config, parameters read in order x1..xd.</summary>
    public double Evaluate(Func<string, double> value) => Function.Evaluate(Parameters.Select(p => value(p.Name)).ToArray());

    /// <summary>Optuna's figure in the file's 'reference' for a sampler and budget: (q25, median, q75), or null.</summary>
    public (double Q25, double Median, double Q75)? ReferenceFor(string sampler, int budget)
    {
        if (Reference is not { } reference || !reference.TryGetProperty(sampler, out JsonElement bySampler)
            || !bySampler.TryGetProperty(budget.ToString(System.Globalization.CultureInfo.InvariantCulture), out JsonElement figures))
            return null;
        return (figures.GetProperty("q25").GetDouble(), figures.GetProperty("median").GetDouble(), figures.GetProperty("q75").GetDouble());
    }
}

/// <summary>A suite parameter: float (uniform or log-uniform on [low, high]), int ([low, high] inclusive) or categorical.</summary>
internal sealed record SuiteParameter(string Name, string Type, double Low, double High, bool Log, IReadOnlyList<object?> Choices)
{
    public object Domain() => Type switch
    {
        "float" when Log => Tune.LogUniform(Low, High),
        "float" => Tune.Uniform(Low, High),
        // Inclusive in the file; Tune.RandInt excludes its upper bound.
        "int" when Log => Tune.LogRandInt((long)Low, (long)High + 1),
        "int" => Tune.RandInt((long)Low, (long)High + 1),
        "categorical" => Tune.Choice(Choices.ToArray()),
        _ => throw new BenchArgumentException($"Suite parameter '{Name}' has type '{Type}'; use float, int or categorical."),
    };
}

internal static class SearchSuite
{
    /// <summary>Reads a suite file and checks every entry's function against the file's test vectors.</summary>
    public static IReadOnlyList<SuiteEntry> Load(string path)
    {
        if (!File.Exists(path))
            throw new BenchArgumentException($"Option '--suite' is '{path}', which is not a file; give a suite such as ../shared/bench/suite.json.");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        var entries = new List<SuiteEntry>();
        foreach (JsonElement entry in document.RootElement.GetProperty("functions").EnumerateArray())
        {
            string name = entry.GetProperty("name").GetString()!;
            string functionName = entry.GetProperty("function").GetString()!;
            if (!TestFunctions.All.TryGetValue(functionName, out TestFunction? function))
                throw new BenchArgumentException($"Suite entry '{name}' names function '{functionName}', which the registry lacks; known: {string.Join(", ", TestFunctions.All.Keys)}.");
            var parameters = entry.GetProperty("params").EnumerateArray().Select(ReadParameter).ToList();
            for (int i = 0; i < parameters.Count; i++)
                if (parameters[i].Name != $"x{i + 1}")
                    throw new BenchArgumentException($"Suite entry '{name}': parameter {i + 1} is named '{parameters[i].Name}'; name them x1..xd in order.");
            if (function.Dimensions is { } d && d != parameters.Count)
                throw new BenchArgumentException($"Suite entry '{name}': {functionName} takes {d} parameters, the entry gives {parameters.Count}.");
            var vectors = entry.TryGetProperty("test_vectors", out JsonElement tv)
                ? tv.EnumerateArray().Select(v => (v.GetProperty("x").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble()), v.GetProperty("f").GetDouble())).ToList()
                : [];
            JsonElement? reference = entry.TryGetProperty("reference", out JsonElement r) ? r.Clone() : null;
            var suiteEntry = new SuiteEntry(name, function, parameters, entry.GetProperty("optimum").GetDouble(), vectors, reference);
            foreach (var (x, f) in vectors)
            {
                double actual = suiteEntry.Evaluate(p => x[p]);
                if (!TestFunctions.Close(actual, f, 1e-9))
                    throw new InvalidOperationException($"Suite entry '{name}': {functionName} gives {actual:R} at a test vector where the file says {f:R}.");
            }
            entries.Add(suiteEntry);
        }
        return entries;
    }

    private static SuiteParameter ReadParameter(JsonElement p)
    {
        string type = p.GetProperty("type").GetString()!;
        var choices = type == "categorical"
            ? p.GetProperty("choices").EnumerateArray().Select(c => c.ValueKind == JsonValueKind.Number ? (object?)c.GetDouble() : c.ToString()).ToList()
            : [];
        return new SuiteParameter(p.GetProperty("name").GetString()!, type,
            type == "categorical" ? 0 : p.GetProperty("low").GetDouble(), type == "categorical" ? 0 : p.GetProperty("high").GetDouble(),
            p.TryGetProperty("log", out JsonElement log) && log.GetBoolean(), choices);
    }
}
