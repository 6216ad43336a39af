using System.Globalization;
using TuneSharp.Search;

namespace TuneSharp.Bench.Search;

/// <summary>
/// Sample efficiency of a searcher on a suite of test functions, run through the full <see cref="Tuner"/>
/// (status off, storage in a temp folder, one trial at a time and a <see cref="ConcurrencyLimiter"/> of 1, so the
/// searcher is strictly sequential as Optuna's reference runs were). Each seed runs the largest budget once; the regret at a smaller budget is read from
/// the same run's first trials, which is what a separate run of that budget would give, since a sequential
/// searcher's first n suggestions do not depend on the budget. Prints one JSON line per function and budget.
/// </summary>
internal sealed class SearchCommand : IBenchCommand
{
    public string Name => "search";

    public string Summary => "Median simple regret of a searcher over seeds on a suite of test functions, through the Tuner.";

    public IReadOnlyList<BenchOption> Options { get; } =
    [
        BenchOption.Value("suite", "FILE", "suite file, e.g. ../shared/bench/suite.json (not needed with --overhead)"),
        BenchOption.Value("searcher", "NAME", "random (the default BasicVariantGenerator), tpe, cmaes or bayesopt", "tpe"),
        BenchOption.Value("budgets", "LIST", "comma-separated trial budgets", "50,100,200"),
        BenchOption.Value("seeds", "N", "seeds 0..N-1 per function", "20"),
        BenchOption.Value("functions", "LIST", "only these suite entries (comma-separated names)", "all"),
        BenchOption.Value("settings", "SETTINGS", "the searcher's options for tuning, e.g. Multivariate=false;Gamma=0.15 (tpe), Sigma0=0.2 (cmaes)", "none"),
        BenchOption.Value("storage", "DIR", "where experiment folders are created (each is deleted)", "the system temp folder"),
        BenchOption.Flag("direct", "drive the searcher directly instead of through the Tuner (fast, for tuning defaults)"),
        BenchOption.Flag("overhead", "instead, print microseconds per suggestion at 100, 1,000 and 5,000 completed trials on Hartmann6"),
    ];

    public async Task<int> RunAsync(BenchArgs args)
    {
        var searcher = new SearcherFactory(args.Text("searcher"), args.Text("settings"));
        foreach (string failure in TestFunctions.SelfCheck())
        {
            Console.Error.WriteLine($"search: test function self-check failed: {failure}");
            return ExitCodes.Failed;
        }
        if (args.Flag("overhead"))
        {
            SearchOverhead.Run(searcher);
            return ExitCodes.Ok;
        }
        int[] budgets = ParseBudgets(args.Text("budgets"));
        int seeds = args.Int("seeds", 1, 10_000);
        string suitePath = args.TextOrNull("suite")
            ?? throw new BenchArgumentException("Option '--suite' is required: add --suite ../shared/bench/suite.json.");
        string filter = args.Text("functions");
        var entries = SearchSuite.Load(suitePath)
            .Where(e => filter == "all" || filter.Split(',').Contains(e.Name)).ToList();
        string storage = args.Directory("storage") ?? Path.GetTempPath();
        bool direct = args.Flag("direct");

        foreach (SuiteEntry entry in entries)
        {
            var regrets = new double[seeds][];
            // The two cores each run their own seeds; every Tuner still runs one trial at a time.
            await Parallel.ForEachAsync(Enumerable.Range(0, seeds), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                async (seed, _) => regrets[seed] = direct
                    ? RunSeedDirect(entry, searcher, seed, budgets)
                    : await RunSeedAsync(entry, searcher, seed, budgets, storage).ConfigureAwait(false))
                .ConfigureAwait(false);
            for (int b = 0; b < budgets.Length; b++)
            {
                double[] atBudget = regrets.Select(r => r[b]).ToArray();
                BenchOutput.WriteLine(("bench", "search"), ("function", entry.Name), ("searcher", searcher.Name), ("budget", budgets[b]),
                    ("median_regret", Quantile(atBudget, 0.5)), ("q25", Quantile(atBudget, 0.25)), ("q75", Quantile(atBudget, 0.75)));
            }
        }
        return ExitCodes.Ok;
    }

    private static async Task<double[]> RunSeedAsync(SuiteEntry entry, SearcherFactory searcher, int seed, int[] budgets, string storage)
    {
        string folder = Path.Combine(storage, $"tunesharp-search-{Guid.NewGuid():N}");
        try
        {
            var tuner = new Tuner(
                TrainableDefinition.FromFunction(trial =>
                    trial.Report(new Metrics { ["value"] = entry.Evaluate(name => trial.Config.Get<double>(name)) }), name: entry.Name),
                entry.Space(),
                new TuneConfig
                {
                    NumSamples = budgets.Max(), Metric = "value", Mode = Mode.Min, Seed = seed, MaxConcurrentTrials = 1,
                    // The controller keeps a trial pending ahead for model-based searchers; the limiter makes TPE wait
                    // for each result, as Optuna's sequential reference runs did (Ray wraps max_concurrent_trials the same way).
                    SearchAlg = searcher.Name == "random" ? null : new ConcurrencyLimiter(searcher.Create(), 1),
                },
                new RunConfig { StoragePath = folder, Name = "search", Verbose = 0 });
            var grid = await tuner.FitAsync().ConfigureAwait(false);
            double[] values = grid.OrderBy(r => r.TrialId, StringComparer.Ordinal)
                .Select(r => r.GetMetric("value") ?? double.PositiveInfinity).ToArray();
            if (values.Length < budgets.Max())
                throw new InvalidOperationException($"{entry.Name} seed {seed}: {values.Length} trials ran, {budgets.Max()} expected.");
            return budgets.Select(b => values.Take(b).Min() - entry.Optimum).ToArray();
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { /* best effort: it is a temp folder */ }
        }
    }

    // The controller's loop for one trial at a time, without storage or threads: the same suggestions as
    // through the Tuner (same seed, same order), so it is only a faster way to tune.
    private static double[] RunSeedDirect(SuiteEntry entry, SearcherFactory factory, int seed, int[] budgets)
    {
        ISearcher searcher = factory.Create();
        int budget = budgets.Max();
        searcher.Setup(new SearcherSetup(entry.Space(), "value", Mode.Min, budget, seed));
        var values = new double[budget];
        for (int i = 0; i < budget; i++)
        {
            Suggestion suggestion = searcher.Suggest($"t{i}");
            Config config = suggestion.Config ?? throw new InvalidOperationException($"The searcher answered {suggestion.Kind}.");
            values[i] = entry.Evaluate(name => config.Get<double>(name));
            searcher.OnTrialComplete($"t{i}", new Dictionary<string, object?> { ["value"] = values[i] }, error: false);
        }
        return budgets.Select(b => values.Take(b).Min() - entry.Optimum).ToArray();
    }

    private static int[] ParseBudgets(string text)
    {
        var budgets = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int budget) || budget < 1)
                throw new BenchArgumentException($"Option '--budgets' has '{part}', not a positive whole number; give e.g. --budgets 50,100,200.");
            budgets.Add(budget);
        }
        return budgets.Count > 0 ? budgets.ToArray()
            : throw new BenchArgumentException("Option '--budgets' is empty; give e.g. --budgets 50,100,200.");
    }

    /// <summary>Linear interpolation between order statistics (numpy's default percentile, as the reference used).</summary>
    internal static double Quantile(double[] values, double q)
    {
        double[] sorted = values.Order().ToArray();
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }
}
