using System.Globalization;
using TuneSharp.Search;

namespace TuneSharp.Bench.Search;

/// <summary>Parses <c>--cmaes "Sigma0=0.2;PopulationSize=8"</c> into a factory of configured <see cref="CmaEsSearch"/>es,
/// so its defaults can be tuned from the command line without rebuilding.</summary>
internal static class CmaEsSettingsText
{
    public static Func<CmaEsSearch>? Parse(string text)
    {
        if (text == "none")
            return null;
        double? sigma0 = null;
        int? population = null;
        bool mirrored = true;
        foreach (string pair in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            try
            {
                switch (parts)
                {
                    case ["Sigma0", var v]:
                        sigma0 = double.Parse(v, CultureInfo.InvariantCulture);
                        break;
                    case ["PopulationSize", var v]:
                        population = int.Parse(v, CultureInfo.InvariantCulture);
                        break;
                    case ["MirroredSampling", var v]:
                        mirrored = bool.Parse(v);
                        break;
                    default:
                        throw new BenchArgumentException($"Option '--cmaes' has '{pair}'; write Sigma0=..., PopulationSize=... or MirroredSampling=... separated by ';'.");
                }
            }
            catch (FormatException)
            {
                throw new BenchArgumentException($"Option '--cmaes' has '{pair}', whose value does not parse.");
            }
        }
        return () => new CmaEsSearch { Sigma0 = sigma0, PopulationSize = population, MirroredSampling = mirrored };
    }
}
