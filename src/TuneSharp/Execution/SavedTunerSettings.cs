using System.Text.Json.Nodes;
using TuneSharp.Schedulers;
using TuneSharp.Search;
using TuneSharp.Storage;

namespace TuneSharp.Execution;

/// <summary>
/// The settings an experiment ran with (<c>tuner.json</c>), for <see cref="Tuner.Restore(string, TrainableDefinition, SearchSpace?, TuneConfig?, RunConfig?, bool, bool)"/>.
/// Ray's restore reloads the configs it pickled; TuneSharp stores data, not code, so it rebuilds what data can hold and
/// refuses a resume whose searcher, scheduler, metric, mode, parameters or checkpoint ranking differ from the run's,
/// before any trial runs: the saved state of one searcher or scheduler means nothing to another, and a different metric
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

    /// <summary>What <c>tuner.json</c> holds of a run, beside its plain settings.</summary>
    public static JsonObject Write(TuneConfig tuneConfig, RunConfig runConfig, ISearcher searcher, ITrialScheduler scheduler, SearchSpace space)
    {
        var checkpoints = runConfig.CheckpointConfig;
        return new JsonObject
        {
            ["search_alg"] = Describe(searcher),
            ["scheduler"] = Describe(scheduler),
            // Whether the user left them unset: only then can a restore given no tune config rebuild them.
            ["search_alg_default"] = tuneConfig.SearchAlg is null,
            ["scheduler_default"] = tuneConfig.Scheduler is null,
            ["param_paths"] = new JsonArray(space.Parameters().Select(p => (JsonNode?)p.Path).ToArray()),
            ["available_resources"] = tuneConfig.AvailableResources is { } r ? new JsonObject
            {
                ["cpu"] = r.Cpu, ["gpu"] = r.Gpu,
                ["custom"] = new JsonObject(r.Custom.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            } : null,
            ["max_pending_trials"] = tuneConfig.MaxPendingTrials,
            ["reuse_actors"] = tuneConfig.ReuseActors,
            ["checkpoint_num_to_keep"] = checkpoints.NumToKeep,
            ["checkpoint_score_attribute"] = checkpoints.CheckpointScoreAttribute,
            ["checkpoint_score_order"] = checkpoints.CheckpointScoreOrder.ToRayString(),
            ["checkpoint_frequency"] = checkpoints.CheckpointFrequency,
            ["checkpoint_at_end"] = checkpoints.CheckpointAtEnd,
        };
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
    private bool? Flag(string key) => settings[key]?.GetValue<bool>();
    private Mode? SavedMode => Text("mode") switch { "max" => TuneSharp.Mode.Max, "min" => TuneSharp.Mode.Min, _ => null };
    private Mode SavedScoreOrder => Text("checkpoint_score_order") == "min" ? TuneSharp.Mode.Min : TuneSharp.Mode.Max;
    private string SearchAlg => Text("search_alg") ?? nameof(BasicVariantGenerator);
    private string Scheduler => Text("scheduler") ?? nameof(FifoScheduler);

    /// <summary>The run's tune config, for a restore given none: possible only when the run left the searcher and the
    /// scheduler unset (files from before that was recorded: when they were the default types).</summary>
    public TuneConfig Rebuild()
    {
        bool defaults = (Flag("search_alg_default") ?? SearchAlg == nameof(BasicVariantGenerator))
            && (Flag("scheduler_default") ?? Scheduler == nameof(FifoScheduler));
        if (!defaults)
            throw new TuneException(
                $"Tuner.Restore: the experiment in '{experimentPath}' ran with search algorithm {SearchAlg} and scheduler {Scheduler}, " +
                "configured in code, which TuneSharp cannot rebuild from its files (it stores data, not code). " +
                "Pass Tuner.Restore a tuneConfig with the same SearchAlg and Scheduler.");
        return new TuneConfig
        {
            Metric = Text("metric"),
            Mode = SavedMode,
            NumSamples = settings["num_samples"]?.GetValue<int>() ?? 1,
            MaxConcurrentTrials = settings["max_concurrent_trials"]?.GetValue<int>() ?? 0,
            TimeBudget = settings["time_budget_s"]?.GetValue<double>() is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            Seed = settings["seed"]?.GetValue<int>(),
            AvailableResources = settings["available_resources"] is JsonObject r ? new Resources
            {
                Cpu = r["cpu"]!.GetValue<double>(), Gpu = r["gpu"]!.GetValue<double>(),
                Custom = r["custom"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>()),
            } : null,
            MaxPendingTrials = settings["max_pending_trials"]?.GetValue<int>(),
            ReuseActors = Flag("reuse_actors") ?? false,
        };
    }

    /// <summary>The run's checkpoint config, for a restore given no run config; null when the file predates it.</summary>
    public CheckpointConfig? Checkpoints() => settings.ContainsKey("checkpoint_frequency") ? new CheckpointConfig
    {
        NumToKeep = settings["checkpoint_num_to_keep"]?.GetValue<int>(),
        CheckpointScoreAttribute = Text("checkpoint_score_attribute"),
        CheckpointScoreOrder = SavedScoreOrder,
        CheckpointFrequency = settings["checkpoint_frequency"]!.GetValue<int>(),
        CheckpointAtEnd = Flag("checkpoint_at_end") ?? false,
    } : null;

    /// <summary>How the run ranked its checkpoints (enough of its <see cref="CheckpointConfig"/> to order a result's),
    /// also from files that hold no more of it than that.</summary>
    public CheckpointConfig CheckpointScoring() => Checkpoints() ?? new()
    {
        CheckpointScoreAttribute = Text("checkpoint_score_attribute"),
        CheckpointScoreOrder = SavedScoreOrder,
    };

    /// <summary>Refuses a restore whose settings differ from the run's where the saved state depends on them.</summary>
    public void Check(TuneConfig config, SearchSpace space, CheckpointConfig checkpoints)
    {
        var differences = new List<string>();
        void Compare(string what, string? saved, string? now)
        {
            if (saved != now)
                differences.Add($"{what}: the run had {saved ?? "none"}, the restore has {now ?? "none"}");
        }
        Compare("TuneConfig.Metric", Text("metric"), config.Metric);
        Compare("TuneConfig.Mode", SavedMode?.ToString(), config.Mode?.ToString());
        // Files from before wrappers were described name the wrapper alone: compare that much.
        static string Outer(string saved, string now) => saved.Contains('(') ? now : now.Split('(')[0];
        Compare("TuneConfig.SearchAlg", SearchAlg, Outer(SearchAlg, Describe(config.SearchAlg ?? new BasicVariantGenerator())));
        Compare("TuneConfig.Scheduler", Scheduler, Outer(Scheduler, Describe(config.Scheduler ?? new FifoScheduler())));
        string? savedPaths = settings["param_paths"] is JsonArray paths
            ? string.Join(", ", paths.Select(p => p!.GetValue<string>()))
            : Text("param_space") is { } line ? ParameterNames(line) : null;
        if (savedPaths is not null)
            Compare("the search space's parameters", savedPaths, string.Join(", ", space.Parameters().Select(p => p.Path)));
        if (Checkpoints() is { } saved)
        {
            Compare("CheckpointConfig.NumToKeep", saved.NumToKeep?.ToString(), checkpoints.NumToKeep?.ToString());
            Compare("CheckpointConfig.CheckpointScoreAttribute", saved.CheckpointScoreAttribute, checkpoints.CheckpointScoreAttribute);
            if (saved.CheckpointScoreAttribute is not null)
                Compare("CheckpointConfig.CheckpointScoreOrder", saved.CheckpointScoreOrder.ToString(), checkpoints.CheckpointScoreOrder.ToString());
        }
        if (differences.Count > 0)
            throw new TuneException(
                $"Tuner.Restore: the experiment in '{experimentPath}' ran with other settings than the restore passes. " +
                string.Join("; ", differences) + ". Pass the settings the experiment ran with (its tuner.json lists them), or start a new experiment.");
    }

    /// <summary>The parameter paths of the <c>param_space</c> line older files hold ("path: primitive, path: primitive").</summary>
    private static string ParameterNames(string savedSpace) => string.Join(", ",
        savedSpace.Split(", ").Where(part => part.Contains(": ")).Select(part => part[..part.IndexOf(": ", StringComparison.Ordinal)]));
}
