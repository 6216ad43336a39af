using TuneSharp.Results;
using TuneSharp.Search;

namespace TuneSharp.Bench.Schedulers;

/// <summary>One seed of one scheduler: a full Tuner run over the seed's configurations, then the figures,
/// after checking that the epochs the trainable trained agree with what the Tuner recorded.</summary>
internal static class CurveRun
{
    public static async Task<SeedOutcome> RunSeedAsync(LearningCurves curves, SchedulerVariant variant, int seed, int concurrency, string storage)
    {
        string folder = Path.Combine(storage, $"tunesharp-schedulers-{Guid.NewGuid():N}");
        var trainable = new CurveTrainable(curves.MaxEpochs);
        ISearcher searcher = variant.CreateSearcher?.Invoke(seed) ?? RandomSearch(seed);
        try
        {
            var tuner = new Tuner(
                TrainableDefinition.FromFunction(trainable.TrainAsync, name: "curve"),
                curves.Space(),
                new TuneConfig
                {
                    NumSamples = curves.Configs, Metric = "acc", Mode = Mode.Max, Seed = seed,
                    SearchAlg = searcher,
                    Scheduler = variant.Create(),
                    // Each trial takes 1 CPU, so this many run at once, as the scheduler and controller decide.
                    AvailableResources = new Resources { Cpu = concurrency },
                },
                new RunConfig
                {
                    StoragePath = folder, Name = "schedulers", Verbose = 0,
                    // A resume needs only the latest checkpoint; keeping one per trial keeps the folder small.
                    CheckpointConfig = new CheckpointConfig { NumToKeep = 1 },
                });
            ResultGrid grid = await tuner.FitAsync().ConfigureAwait(false);
            // A searcher of its own (BOHB) runs other configurations than random search; its gap is still measured
            // against the seed's 200 random configurations, so the oracle, and the paired check on it, stay the same.
            double? oracle = variant.CreateSearcher is null ? null : SeededOracle(curves, seed);
            return Measure(curves, variant, seed, grid, trainable.Ledger, oracle) with
            {
                ModelBased = (searcher as BohbSearch)?.ModelBasedSuggestions,
            };
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { /* best effort: it is a temp folder */ }
        }
    }

    private static BasicVariantGenerator RandomSearch(int seed) => new() { Seed = seed };

    /// <summary>The best acc(MaxEpochs) among the configurations the seed's random search draws: the oracle of the
    /// runs that use it (the same configurations, in the same order, as the Tuner's trials get).</summary>
    public static double SeededOracle(LearningCurves curves, int seed)
    {
        var random = RandomSearch(seed);
        random.Setup(new SearcherSetup(curves.Space(), "acc", Mode.Max, curves.Configs, seed));
        double best = double.NegativeInfinity;
        for (int i = 0; i < curves.Configs; i++)
            best = Math.Max(best, LearningCurves.Accuracy(random.Suggest($"oracle_{i}").Config!, curves.MaxEpochs));
        return best;
    }

    private static SeedOutcome Measure(LearningCurves curves, SchedulerVariant variant, int seed, ResultGrid grid,
        IReadOnlyDictionary<string, CurveTrainable.Epochs> ledger, double? seededOracle)
    {
        string where = $"{variant.Name}, seed {seed}";
        if (grid.Count != curves.Configs || grid.NumTerminated != grid.Count)
            throw new InvalidOperationException($"{where}: {grid.Count} trials, {grid.NumTerminated} terminated, {grid.NumErrors} errors " +
                $"({string.Join("; ", grid.Errors.Take(3))}); expected {curves.Configs} terminated trials.");
        long total = 0;
        int finished = 0;
        double oracle = double.NegativeInfinity, bestFinal = double.NegativeInfinity;
        foreach (Result result in grid)
        {
            double final = LearningCurves.Accuracy(result.Config, curves.MaxEpochs);
            oracle = Math.Max(oracle, final);
            if (!ledger.TryGetValue(result.TrialId, out CurveTrainable.Epochs? epochs))
                continue; // never started: costs nothing
            // More epochs trained than reached means a resumed trial retrained from scratch, which HyperBand's
            // pause/resume must never cause; the Tuner's own iteration count must agree too.
            double? iteration = result.GetMetric(ResultFields.TrainingIteration);
            if (epochs.Trained != epochs.Reached || iteration != epochs.Reached)
                throw new InvalidOperationException($"{where}: trial {result.TrialId} trained {epochs.Trained} epochs to reach epoch " +
                    $"{epochs.Reached}, and the Tuner recorded training_iteration {iteration}; they must be equal.");
            total += epochs.Trained;
            if (epochs.Reached == curves.MaxEpochs)
            {
                finished++;
                bestFinal = Math.Max(bestFinal, final);
            }
        }
        // No trial finishing means no usable model: count its best as acc(0) = 0.10, the curves' floor.
        return new SeedOutcome(total, seededOracle ?? oracle, finished > 0 ? bestFinal : 0.10, finished);
    }
}
