using System.Text.Json.Nodes;

namespace TuneSharp.Search;

/// <summary>
/// The search-algorithm seam (Ray Tune's <c>Searcher</c>): ask for configs, tell results.
/// Called only from the controller's loop, so implementations need no locks.
/// </summary>
public interface ISearcher
{
    /// <summary>Called once before the first suggestion with the experiment's metric, mode, space and budget.</summary>
    void Setup(SearcherSetup setup);

    /// <summary>The config for a new trial, <see cref="Suggestion.NotReady"/> to be asked again later, or
    /// <see cref="Suggestion.Finished"/> when no more trials should be created.</summary>
    Suggestion Suggest(string trialId);

    /// <summary>An intermediate result of a trial (optional).</summary>
    void OnTrialResult(string trialId, IReadOnlyDictionary<string, object?> result) { }

    /// <summary>A trial ended; <paramref name="result"/> is its last result, or null if it reported none.</summary>
    void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error) { }

    /// <summary>The searcher's state as a versioned JSON record, so an interrupted experiment resumes with the same model.</summary>
    JsonObject SaveState();

    /// <summary>Restores what <see cref="SaveState"/> wrote (after <see cref="Setup"/>).</summary>
    void RestoreState(JsonObject state);

    /// <summary>The keys every result must hold for this searcher (after <see cref="Setup"/>): its metric, so that a
    /// misspelt one fails at the first result, as in Ray, rather than leaving the model without observations.</summary>
    IReadOnlyList<RequiredResultKey> RequiredResultKeys => [];
}

/// <summary>What a searcher is told before it starts.</summary>
/// <param name="Space">The search space.</param>
/// <param name="Metric">The metric to optimise, or null when the experiment names none.</param>
/// <param name="Mode">The direction, or null when the experiment names none.</param>
/// <param name="NumSamples">Ray's <c>num_samples</c>; -1 means until stopped.</param>
/// <param name="Seed">The experiment's seed, or null for a random one.</param>
public sealed record SearcherSetup(SearchSpace Space, string? Metric, Mode? Mode, int NumSamples, int? Seed)
{
    /// <summary>The metric and mode a searcher optimises: its own settings, else the experiment's, else an error
    /// naming <paramref name="searcher"/> and both places to set them.</summary>
    internal MetricTarget Target(string searcher, string? metric, Mode? mode) => MetricTarget.Resolve(searcher, metric, mode, Metric, Mode);
}

/// <summary>A searcher's answer to <see cref="ISearcher.Suggest"/>.</summary>
public readonly record struct Suggestion
{
    private Suggestion(SuggestionKind kind, Config? config, IReadOnlyList<string>? sampledPaths)
    {
        Kind = kind;
        Config = config;
        SampledPaths = sampledPaths ?? [];
    }

    /// <summary>What kind of answer this is.</summary>
    public SuggestionKind Kind { get; }
    /// <summary>The config when <see cref="Kind"/> is <see cref="SuggestionKind.Config"/>.</summary>
    public Config? Config { get; }
    /// <summary>The parameters that were searched (not constants); they name the trial's folder.</summary>
    public IReadOnlyList<string> SampledPaths { get; }

    /// <summary>A config for the new trial.</summary>
    public static Suggestion For(Config config, IReadOnlyList<string> sampledPaths) => new(SuggestionKind.Config, config, sampledPaths);
    /// <summary>Nothing yet: ask again when a trial completes.</summary>
    public static Suggestion NotReady { get; } = new(SuggestionKind.NotReady, null, null);
    /// <summary>The search is over.</summary>
    public static Suggestion Finished { get; } = new(SuggestionKind.Finished, null, null);
}

/// <summary>The kinds of <see cref="Suggestion"/>.</summary>
public enum SuggestionKind
{
    /// <summary>A config.</summary>
    Config,
    /// <summary>Ask again later.</summary>
    NotReady,
    /// <summary>No more trials.</summary>
    Finished,
}
