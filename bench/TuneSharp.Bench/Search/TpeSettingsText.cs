using System.Globalization;
using TuneSharp.Search;

namespace TuneSharp.Bench.Search;

/// <summary>Parses <c>--tpe "Multivariate=false;Gamma=0.15"</c> into a factory of configured <see cref="TpeSearch"/>es,
/// so defaults can be tuned from the command line without rebuilding.</summary>
internal static class TpeSettingsText
{
    public static Func<TpeSearch>? Parse(string text)
    {
        if (text == "none")
            return null;
        var settings = new List<(string Key, string Value)>();
        foreach (string pair in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=');
            if (equals <= 0)
                throw new BenchArgumentException($"Option '--tpe' has '{pair}'; write Name=Value pairs separated by ';'.");
            settings.Add((pair[..equals].Trim(), pair[(equals + 1)..].Trim()));
        }
        Func<TpeSearch> factory = () => settings.Aggregate(new TpeSearch(), Apply);
        factory(); // fail on a bad name or value now, not inside a trial
        return factory;
    }

    private static TpeSearch Apply(TpeSearch s, (string Key, string Value) setting)
    {
        string v = setting.Value;
        double D() => double.Parse(v, CultureInfo.InvariantCulture);
        int I() => int.Parse(v, CultureInfo.InvariantCulture);
        bool B() => bool.Parse(v);
        try
        {
            return setting.Key switch
            {
                "Multivariate" => Copy(s, multivariate: B()),
                "Gamma" => Copy(s, gamma: D()),
                "Split" => Copy(s, split: Enum.Parse<TpeSplit>(v, ignoreCase: true)),
                "MaxBelow" => Copy(s, maxBelow: I()),
                "Weighting" => Copy(s, weighting: Enum.Parse<TpeWeighting>(v, ignoreCase: true)),
                "PriorWeight" => Copy(s, priorWeight: D()),
                "MagicClip" => Copy(s, magicClip: B()),
                "ConsiderEndpoints" => Copy(s, considerEndpoints: B()),
                "NStartupTrials" => Copy(s, nStartup: I()),
                "NEiCandidates" => Copy(s, nEi: I()),
                "BandwidthFactor" => Copy(s, bandwidth: D()),
                _ => throw new BenchArgumentException($"Option '--tpe' names '{setting.Key}', which is not a TpeSearch option."),
            };
        }
        catch (FormatException)
        {
            throw new BenchArgumentException($"Option '--tpe' gives {setting.Key} the value '{v}', which does not parse.");
        }
    }

    private static TpeSearch Copy(TpeSearch s, bool? multivariate = null, double? gamma = null, TpeSplit? split = null,
        int? maxBelow = null, TpeWeighting? weighting = null, double? priorWeight = null, bool? magicClip = null,
        bool? considerEndpoints = null, int? nStartup = null, int? nEi = null, double? bandwidth = null) => new()
    {
        Multivariate = multivariate ?? s.Multivariate,
        Gamma = gamma ?? s.Gamma,
        Split = split ?? s.Split,
        MaxBelow = maxBelow ?? s.MaxBelow,
        Weighting = weighting ?? s.Weighting,
        PriorWeight = priorWeight ?? s.PriorWeight,
        MagicClip = magicClip ?? s.MagicClip,
        ConsiderEndpoints = considerEndpoints ?? s.ConsiderEndpoints,
        NStartupTrials = nStartup ?? s.NStartupTrials,
        NEiCandidates = nEi ?? s.NEiCandidates,
        BandwidthFactor = bandwidth ?? s.BandwidthFactor,
    };
}
