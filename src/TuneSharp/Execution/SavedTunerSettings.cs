using System.Text.Json.Nodes;
using TuneSharp.Schedulers;
using TuneSharp.Search;
using TuneSharp.Storage;

namespace TuneSharp.Execution;

/// <summary>
/// The settings an experiment ran with (<c>tuner.json</c>), for <see cref="Tuner.Restore(string, TrainableDefinition, SearchSpace?, TuneConfig?, RunConfig?, bool, bool)"/>.
/// Ray's restore reloads the tune config it pickled; TuneSharp stores data, not code, so it rebuilds what data can
/// hold and refuses a resume whose searcher, scheduler, metric, mode or parameters differ from the run's, before
/// any trial runs: the saved state of one searcher or scheduler means nothing to another, and a different metric
/// would rank the finished trials by something they were not tuned for.
/// </summary>
internal sealed class SavedTunerSettings(string experimentPath, JsonObject settings)
{
    public static SavedTunerSettings? Read(string experimentPath)
    {
        string file = Path.Combine(experimentPath, ExperimentStore.TunerFile);
        return File.Exists(file) && JsonNode.Parse(File.ReadAllText(file)) is JsonObject settings
            ? new SavedTunerSettings(experimentPath, settings) : null;
    }

    /// <summary>A searcher's name as <c>tuner.json</c> keeps it, with what a wrapper wraps: <c>ConcurrencyLimiter(TpeSearch)</c>.</summary>
    public static string Describe(ISearcher searcher) => searcher switch
    {
        ConcurrencyLimiter limiter => $"{nameof(ConcurrencyLimiter)}({Describe(limiter.Searcher)})",
        Repeater repeater => $"{nameof(Repeater)}({Describe(repeater.Searcher)})",
        _ => searcher.GetType().Name,
    };

    /// <summary>A scheduler's name as <c>tuner.json</c> keeps it, with what a wrapper wraps.</summary>
    public static string Describe(ITrialScheduler scheduler) => scheduler is ResourceChangingScheduler changing
        ? $"{nameof(ResourceChangingScheduler)}({Describe(changing.BaseScheduler)})" : scheduler.GetType().Name;

    private string? Text(string key) => settings[key]?.GetValue<string>();
    private Mode? SavedMode => Text("mode") switch { "max" => TuneSharp.Mode.Max, "min" => TuneSharp.Mode.Min, _ => null };
    private string SearchAlg => Text("search_alg") ?? nameof(BasicVariantGenerator);
    private string Scheduler => Text("scheduler") ?? nameof(FifoScheduler);

    /// <summary>The run's tune config, for a restore given none: possible only when it used the default searcher and scheduler.</summary>
    public TuneConfig Rebuild()
    {
        if (SearchAlg != nameof(BasicVariantGenerator) || Scheduler != nameof(FifoScheduler))
            throw new TuneException(
                $"Tuner.Restore: the experiment in '{experimentPath}' ran with search algorithm {SearchAlg} and scheduler {Scheduler}, " +
                "which TuneSharp cannot rebuild from its files (it stores data, not code). Pass Tuner.Restore a tuneConfig with the same SearchAlg and Scheduler.");
        return new TuneConfig
        {
            Metric = Text("metric"),
            Mode = SavedMode,
            NumSamples = settings["num_samples"]?.GetValue<int>() ?? 1,
            MaxConcurrentTrials = settings["max_concurrent_trials"]?.GetValue<int>() ?? 0,
            TimeBudget = settings["time_budget_s"]?.GetValue<double>() is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            Seed = settings["seed"]?.GetValue<int>(),
        };
    }

    /// <summary>How the run ranked its checkpoints (enough of its <see cref="CheckpointConfig"/> to order a result's).</summary>
    public CheckpointConfig CheckpointScoring() => new()
    {
        CheckpointScoreAttribute = Text("checkpoint_score_attribute"),
        CheckpointScoreOrder = Text("checkpoint_score_order") == "min" ? TuneSharp.Mode.Min : TuneSharp.Mode.Max,
    };

    /// <summary>Refuses a restore whose settings differ from the run's where the saved state depends on them.</summary>
    public void Check(TuneConfig config, SearchSpace space)
    {
        var differences = new List<string>();
        void Compare(string what, string? saved, string? now)
        {
            if (saved != now)
                differences.Add($"{what}: the run had {saved ?? "none"}, the restore has {now ?? "none"}");
        }
        Compare("TuneConfig.Metric", Text("metric"), config.Metric);
        Compare("TuneConfig.Mode", SavedMode?.ToString(), config.Mode?.ToString());
        Compare("TuneConfig.SearchAlg", SearchAlg, Describe(config.SearchAlg ?? new BasicVariantGenerator()));
        Compare("TuneConfig.Scheduler", Scheduler, Describe(config.Scheduler ?? new FifoScheduler()));
        if (Text("param_space") is { } savedSpace)
            Compare("the search space's parameters", ParameterNames(savedSpace), string.Join(", ", space.Parameters().Select(p => p.Path)));
        if (differences.Count > 0)
            throw new TuneException(
                $"Tuner.Restore: the experiment in '{experimentPath}' ran with other settings than the restore passes. " +
                string.Join("; ", differences) + ". Pass the settings the experiment ran with (its tuner.json lists them), or start a new experiment.");
    }

    /// <summary>The parameter paths of the saved <c>param_space</c> line ("path: primitive, path: primitive").</summary>
    private static string ParameterNames(string savedSpace) => string.Join(", ",
        savedSpace.Split(", ").Where(part => part.Contains(": ")).Select(part => part[..part.IndexOf(": ", StringComparison.Ordinal)]));
}
