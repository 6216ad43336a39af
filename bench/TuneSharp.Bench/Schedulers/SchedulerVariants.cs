using System.Globalization;
using System.Text.RegularExpressions;
using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Bench.Schedulers;

/// <summary>A scheduler under test: its name (base plus settings, e.g. <c>asha-grace9-eta3</c>) and a factory,
/// since every run needs a fresh scheduler. <paramref name="CreateSearcher"/> (from the seed) is set for schedulers
/// that come with their own searcher (bohb); the others run the seeded random search.</summary>
internal sealed record SchedulerVariant(string Name, Func<ITrialScheduler> Create, Func<int, ISearcher>? CreateSearcher = null)
{
    /// <summary>The settings in the options' own names, for the results table.</summary>
    public string Settings => Create() switch
    {
        AsyncHyperBandScheduler a => $"GracePeriod={a.GracePeriod}, ReductionFactor={a.ReductionFactor}, Brackets={a.Brackets}, MaxT={a.MaxT}, StopLastTrials={a.StopLastTrials}",
        HyperBandForBohb b => $"MaxT={b.MaxT}, ReductionFactor={b.ReductionFactor}, StopLastTrials={b.StopLastTrials}; BohbSearch defaults (Falkner et al. 2018)",
        HyperBandScheduler h => $"MaxT={h.MaxT}, ReductionFactor={h.ReductionFactor}, StopLastTrials={h.StopLastTrials}",
        MedianStoppingRule m => $"GracePeriod={m.GracePeriod}, MinSamplesRequired={m.MinSamplesRequired}, HardStop={m.HardStop}",
        _ => "-",
    };
}

/// <summary>
/// Parses scheduler names. The base alone is the scheduler's defaults, except that progress is measured in
/// epochs (<c>training_iteration</c>) and MaxT is the benchmark's 81 epochs; each further <c>-keyN</c> changes
/// one option: grace (GracePeriod), eta (ReductionFactor), brackets, maxt, min (MinSamplesRequired), and the
/// flags nostop (StopLastTrials = false) and soft (HardStop = false). <c>bohb</c> is HyperBandForBohb with a
/// BohbSearch (seeded with the run's seed) choosing the configurations instead of random search.
/// </summary>
internal static partial class SchedulerVariants
{
    /// <summary>What <c>--schedulers</c> runs unless told otherwise: the four bases and the variants the
    /// results table in docs/benchmarks-schedulers.md compares.</summary>
    public const string Default =
        "fifo,asha,asha-eta3,asha-grace3-eta3,asha-grace9-eta3,asha-grace27-eta3,asha-grace9-eta2,asha-grace12-eta2,asha-grace16-eta2," +
        "asha-grace3-eta3-brackets3,asha-grace4-eta2-brackets3,asha-grace9-eta3-brackets3," +
        "hyperband,hyperband-eta2,hyperband-eta4,median,median-grace9,median-grace27";

    private static readonly Dictionary<string, string[]> Keys = new()
    {
        ["fifo"] = [],
        ["asha"] = ["grace", "eta", "brackets", "maxt", "nostop"],
        ["hyperband"] = ["eta", "maxt", "nostop"],
        ["bohb"] = ["eta", "maxt", "nostop"],
        ["median"] = ["grace", "min", "soft"],
    };

    public static IReadOnlyList<SchedulerVariant> ParseList(string text, int maxEpochs)
    {
        var variants = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(name => Parse(name, maxEpochs)).ToList();
        if (variants.Count == 0)
            throw new BenchArgumentException($"Option '--schedulers' is empty; give e.g. --schedulers fifo,asha,hyperband.");
        return variants;
    }

    public static SchedulerVariant Parse(string name, int maxEpochs)
    {
        string[] parts = name.Split('-');
        if (!Keys.TryGetValue(parts[0], out string[]? allowed))
            throw new BenchArgumentException($"Scheduler '{name}' has base '{parts[0]}'; use fifo, asha, hyperband, bohb or median.");
        var settings = new Dictionary<string, double?>();
        foreach (string part in parts.Skip(1))
        {
            Match match = Setting().Match(part);
            string key = match.Success ? match.Groups[1].Value : part;
            bool isFlag = key is "nostop" or "soft";
            if (!match.Success || !allowed.Contains(key) || isFlag != (match.Groups[2].Value.Length == 0))
                throw new BenchArgumentException($"Scheduler '{name}': '{part}' is not a setting of {parts[0]}; " +
                    (allowed.Length == 0 ? "it takes none." : $"use {string.Join(", ", allowed.Select(k => k is "nostop" or "soft" ? k : k + "N"))}."));
            settings[key] = isFlag ? null : double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        double Get(string key, double fallback) => settings.TryGetValue(key, out double? v) ? v!.Value : fallback;
        Func<ITrialScheduler> create = parts[0] switch
        {
            "asha" => () => new AshaScheduler
            {
                TimeAttr = ResultFields.TrainingIteration,
                MaxT = Get("maxt", maxEpochs),
                GracePeriod = Get("grace", 1),
                ReductionFactor = Get("eta", 4),
                Brackets = (int)Get("brackets", 1),
                StopLastTrials = !settings.ContainsKey("nostop"),
            },
            "hyperband" => () => new HyperBandScheduler
            {
                TimeAttr = ResultFields.TrainingIteration,
                MaxT = Get("maxt", maxEpochs),
                ReductionFactor = Get("eta", 3),
                StopLastTrials = !settings.ContainsKey("nostop"),
            },
            "bohb" => () => new HyperBandForBohb
            {
                TimeAttr = ResultFields.TrainingIteration,
                MaxT = Get("maxt", maxEpochs),
                ReductionFactor = Get("eta", 3),
                StopLastTrials = !settings.ContainsKey("nostop"),
            },
            // Ray's default GracePeriod is 60 seconds of time_total_s; in epochs 1 matches Optuna's MedianPruner
            // (n_warmup_steps = 0), and keeps the run independent of wall-clock time.
            "median" => () => new MedianStoppingRule
            {
                TimeAttr = ResultFields.TrainingIteration,
                GracePeriod = Get("grace", 1),
                MinSamplesRequired = (int)Get("min", 3),
                HardStop = !settings.ContainsKey("soft"),
            },
            _ => () => new FifoScheduler(),
        };
        // Check the settings now (e.g. too many brackets for the rungs), not in the middle of the run.
        try
        {
            create().Setup("acc", Mode.Max, seed: 0);
        }
        catch (TuneException e)
        {
            throw new BenchArgumentException($"Scheduler '{name}': {e.Message}");
        }
        Func<int, ISearcher>? searcher = parts[0] == "bohb" ? seed => new BohbSearch { Seed = seed } : null;
        return new SchedulerVariant(name, create, searcher);
    }

    [GeneratedRegex("^([a-z]+)([0-9]*\\.?[0-9]*)$")]
    private static partial Regex Setting();
}
