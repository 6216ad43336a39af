using System.Diagnostics;

namespace TuneSharp.Bench.Schedulers;

/// <summary>
/// Cost and quality of trial schedulers on the synthetic learning curves of <c>shared/bench/curves.json</c>, run
/// through the full <see cref="Tuner"/>: per seed, random search draws the file's 200 configurations (the same
/// ones for every scheduler, since the searcher's seed is the seed), each trial reports acc(t) per epoch with a
/// checkpoint, and the scheduler stops, pauses and resumes trials as it would in a real experiment. Prints one
/// JSON line per scheduler with medians over seeds. <c>bohb</c> is the exception: its BohbSearch picks its own 200
/// configurations from the same space, and its gap is measured against the same oracle, the best acc(81) of the
/// seed's 200 random configurations (so it can be negative).
/// </summary>
internal sealed class SchedulersCommand : IBenchCommand
{
    public string Name => "schedulers";

    public string Summary => "Epochs spent and gap to the oracle of trial schedulers on synthetic learning curves, through the Tuner.";

    public IReadOnlyList<BenchOption> Options { get; } =
    [
        BenchOption.Value("curves", "FILE", "the benchmark file, e.g. ../shared/bench/curves.json"),
        BenchOption.Value("seeds", "N", "seeds 1..N, as the file's protocol", "20"),
        BenchOption.Value("schedulers", "LIST", "comma-separated names: a base (fifo, asha, hyperband, bohb, median) with settings, e.g. asha-grace9-eta3; " +
            "'table' runs the set of docs/benchmarks-schedulers.md", "table"),
        BenchOption.Value("concurrency", "N", "trials running at once (AvailableResources CPUs; each trial takes 1)", "4"),
        BenchOption.Value("parallel-seeds", "N", "seeds run side by side, each its own Tuner (the default is the processor count)",
            Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        BenchOption.Value("storage", "DIR", "where experiment folders are created (each is deleted)", "the system temp folder"),
    ];

    public async Task<int> RunAsync(BenchArgs args)
    {
        string path = args.TextOrNull("curves")
            ?? throw new BenchArgumentException("Option '--curves' is required: add --curves ../shared/bench/curves.json.");
        LearningCurves curves;
        try
        {
            curves = LearningCurves.Load(path);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"schedulers: {e.Message}");
            return ExitCodes.Failed;
        }
        int seeds = args.Int("seeds", 1, 10_000);
        int concurrency = args.Int("concurrency", 1, 1024);
        int parallelSeeds = args.Int("parallel-seeds", 1, 1024);
        string list = args.Text("schedulers");
        var variants = SchedulerVariants.ParseList(list == "table" ? SchedulerVariants.Default : list, curves.MaxEpochs);
        string storage = args.Directory("storage") ?? Path.GetTempPath();
        double fullEpochs = (double)curves.Configs * curves.MaxEpochs;
        var oracles = new double?[seeds];

        foreach (SchedulerVariant variant in variants)
        {
            Console.Error.WriteLine($"schedulers: {variant.Name}: {variant.Settings}");
            var outcomes = new SeedOutcome[seeds];
            var clock = Stopwatch.StartNew();
            try
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, seeds), new ParallelOptions { MaxDegreeOfParallelism = parallelSeeds },
                    async (i, _) => outcomes[i] = await CurveRun.RunSeedAsync(curves, variant, seed: i + 1, concurrency, storage).ConfigureAwait(false))
                    .ConfigureAwait(false);
                for (int i = 0; i < seeds; i++)
                {
                    // Every scheduler must face the same configurations, or the comparison is not paired.
                    if (oracles[i] is { } oracle && oracle != outcomes[i].Oracle)
                        throw new InvalidOperationException($"Seed {i + 1}: {variant.Name} drew other configurations (oracle {outcomes[i].Oracle:R}, earlier {oracle:R}).");
                    oracles[i] = outcomes[i].Oracle;
                }
            }
            catch (InvalidOperationException e)
            {
                // A failed consistency check (epochs retrained, trials missing) makes every figure doubtful.
                Console.Error.WriteLine($"schedulers: {e.Message}");
                return ExitCodes.Failed;
            }
            double[] epochs = outcomes.Select(o => (double)o.TotalEpochs).ToArray();
            double[] gaps = outcomes.Select(o => o.Oracle - o.BestFinal).ToArray();
            var modelBased = outcomes.Where(o => o.ModelBased is not null).Select(o => (double)o.ModelBased!.Value).ToArray();
            (string, object)[] extra = modelBased.Length == 0 ? [] : [("model_based_median", Quantile(modelBased, 0.5))];
            BenchOutput.WriteLine([
                ("bench", "schedulers"),
                ("scheduler", variant.Name),
                ("total_epochs_median", Quantile(epochs, 0.5)),
                ("gap_to_oracle_median", Math.Round(Quantile(gaps, 0.5), 5)),
                ("best_final_median", Math.Round(Quantile(outcomes.Select(o => o.BestFinal).ToArray(), 0.5), 5)),
                ("total_epochs_fraction", Math.Round(Quantile(epochs, 0.5) / fullEpochs, 4)),
                ("total_epochs_q25", Quantile(epochs, 0.25)),
                ("total_epochs_q75", Quantile(epochs, 0.75)),
                ("gap_to_oracle_q25", Math.Round(Quantile(gaps, 0.25), 5)),
                ("gap_to_oracle_q75", Math.Round(Quantile(gaps, 0.75), 5)),
                ("finished_median", Quantile(outcomes.Select(o => (double)o.Finished).ToArray(), 0.5)),
                ("seeds", seeds),
                ("seconds", Math.Round(clock.Elapsed.TotalSeconds, 1)),
                .. extra]);
        }
        return ExitCodes.Ok;
    }

    /// <summary>Linear interpolation between order statistics (numpy's default percentile, as the reference used).</summary>
    private static double Quantile(double[] values, double q)
    {
        double[] sorted = values.Order().ToArray();
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }
}

/// <summary>One seed's figures: epochs trained, the oracle's acc(81), the best acc(81) among trials that
/// reached the last epoch, how many did, and (BOHB) how many configurations came from the searcher's model.</summary>
internal sealed record SeedOutcome(long TotalEpochs, double Oracle, double BestFinal, int Finished)
{
    public int? ModelBased { get; init; }
}
