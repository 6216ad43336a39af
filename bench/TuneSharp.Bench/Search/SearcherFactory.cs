using System.Globalization;
using System.Reflection;
using TuneSharp.Search;

namespace TuneSharp.Bench.Search;

/// <summary>
/// Makes the searcher that <c>--searcher</c> names, with the options <c>--settings "Name=Value;Name=Value"</c> gives
/// (e.g. <c>Multivariate=false;Gamma=0.15</c> for tpe, <c>Sigma0=0.2</c> for cmaes, <c>RandomSearchSteps=5</c> for
/// bayesopt), so defaults can be tuned from the command line without rebuilding. Every searcher option is an
/// init-only property, so the options are set by reflection on a fresh instance.
/// </summary>
internal sealed class SearcherFactory
{
    public static readonly string[] Names = ["random", "tpe", "cmaes", "bayesopt"];

    private readonly string _name;
    private readonly List<(string Key, string Value)> _settings = [];

    public SearcherFactory(string name, string settings)
    {
        if (!Names.Contains(name))
            throw new BenchArgumentException($"Option '--searcher' is '{name}'; use {string.Join(", ", Names)}.");
        _name = name;
        if (settings != "none")
            foreach (string pair in settings.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                int equals = pair.IndexOf('=');
                if (equals <= 0)
                    throw new BenchArgumentException($"Option '--settings' has '{pair}'; write Name=Value pairs separated by ';'.");
                _settings.Add((pair[..equals].Trim(), pair[(equals + 1)..].Trim()));
            }
        Create(); // a bad name or value fails now, not inside a trial
    }

    public string Name => _name;

    /// <summary>A new searcher with the settings; <paramref name="extra"/> sets further options (warm-start points).</summary>
    public ISearcher Create(params (string Option, object? Value)[] extra)
    {
        ISearcher searcher = _name switch
        {
            "tpe" => new TpeSearch(),
            "cmaes" => new CmaEsSearch(),
            "bayesopt" => new BayesOptSearch(),
            _ => new BasicVariantGenerator(),
        };
        foreach (var (key, text) in _settings)
            Set(searcher, key, Parse(searcher, key, text));
        foreach (var (option, value) in extra)
            Set(searcher, option, value);
        return searcher;
    }

    private static PropertyInfo Property(ISearcher searcher, string name) =>
        searcher.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance) is { CanWrite: true } property
            ? property
            : throw new BenchArgumentException($"Option '--settings' names '{name}', which is not a {searcher.GetType().Name} option.");

    private static object Parse(ISearcher searcher, string name, string text)
    {
        Type type = Property(searcher, name).PropertyType;
        type = Nullable.GetUnderlyingType(type) ?? type;
        try
        {
            return type.IsEnum ? Enum.Parse(type, text, ignoreCase: true) : Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or ArgumentException or OverflowException)
        {
            throw new BenchArgumentException($"Option '--settings' gives {name} the value '{text}', which is not a {type.Name}.");
        }
    }

    private static void Set(ISearcher searcher, string name, object? value) => Property(searcher, name).SetValue(searcher, value);
}
