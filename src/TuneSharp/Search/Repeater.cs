using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Search;

/// <summary>
/// Runs every config of the wrapped searcher <see cref="Repeat"/> times (Ray Tune's <c>Repeater</c>), e.g. to
/// average out a noisy objective over training seeds: each repeat gets <c>__trial_index__</c> (0, 1, …) in its config,
/// and when all repeats of a config have ended the wrapped searcher is told the mean of their metric, as one trial
/// (the group's first). Repeats without the metric are left out of the mean. <c>NumSamples</c> counts every repeat.
/// </summary>
public sealed class Repeater : ISearcher
{
    /// <summary>The config key holding the repeat's index (Ray's <c>TRIAL_INDEX</c>).</summary>
    public const string TrialIndexKey = "__trial_index__";
    private const int StateVersion = 1;
    private readonly List<Group> _groups = [];
    private string _metric = "";

    /// <summary>Wraps <paramref name="searcher"/>.</summary>
    /// <param name="searcher">The searcher whose configs are repeated.</param>
    /// <param name="repeat">How many trials run each config; at least 1.</param>
    /// <param name="setIndex">Add <see cref="TrialIndexKey"/> to each repeat's config (Ray's <c>set_index</c>).</param>
    public Repeater(ISearcher searcher, int repeat = 1, bool setIndex = true)
    {
        Searcher = searcher ?? throw new ArgumentNullException(nameof(searcher));
        Repeat = repeat;
        SetIndex = setIndex;
    }

    /// <summary>The wrapped searcher.</summary>
    public ISearcher Searcher { get; }

    /// <summary>How many trials run each config.</summary>
    public int Repeat { get; }

    /// <summary>Whether each repeat's config holds <see cref="TrialIndexKey"/>.</summary>
    public bool SetIndex { get; }

    /// <summary>The metric to average; null takes the wrapped searcher's, else the experiment's. <value>The default value is null.</value></summary>
    public string? Metric { get; init; }

    /// <inheritdoc />
    public void Setup(SearcherSetup setup)
    {
        if (Repeat < 1)
            throw new TuneException($"Repeater.Repeat is {Repeat}; run each config at least once.");
        _groups.Clear();
        Searcher.Setup(setup);
        // The wrapped searcher is told the mean of the metric it optimises (Ray's searcher.metric), which may be its own.
        _metric = Metric ?? Searcher.RequiredResultKeys.FirstOrDefault().Key ?? setup.Metric ?? throw new TuneException(
            "Repeater averages a metric, but none is set: set TuneConfig.Metric and TuneConfig.Mode, or Repeater.Metric.");
    }

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys => Searcher.RequiredResultKeys;

    /// <inheritdoc />
    public Suggestion Suggest(string trialId)
    {
        Group? current = _groups.Count > 0 && _groups[^1].Trials.Count < Repeat ? _groups[^1] : null;
        if (current is null)
        {
            Suggestion suggestion = Searcher.Suggest(trialId);
            if (suggestion.Kind != SuggestionKind.Config)
                return suggestion;
            current = new Group(trialId, suggestion.Config!, suggestion.SampledPaths);
            _groups.Add(current);
        }
        int index = current.Trials.Count;
        current.Trials.Add(trialId);
        Config config = SetIndex ? current.Config.With(TrialIndexKey, (long)index) : current.Config;
        return Suggestion.For(config, current.SampledPaths);
    }

    /// <inheritdoc />
    public void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error)
    {
        Group? group = _groups.Find(g => g.Trials.Contains(trialId));
        if (group is null || group.Scores.ContainsKey(trialId))
            return;
        group.Scores[trialId] = !error && result is not null && ResultFields.TryGetDouble(result, _metric, out double score) ? score : double.NaN;
        if (group.Scores.Count < Repeat)
            return;
        _groups.Remove(group);
        var scores = group.Scores.Values.Where(s => !double.IsNaN(s)).ToList();
        if (scores.Count == 0)
            Searcher.OnTrialComplete(group.PrimaryId, null, error: true);
        else
            Searcher.OnTrialComplete(group.PrimaryId, new Dictionary<string, object?> { [_metric] = scores.Average() }, error: false);
    }


    /// <inheritdoc />
    public JsonObject SaveState() => new()
    {
        ["version"] = StateVersion,
        ["groups"] = new JsonArray(_groups.Select(g => (JsonNode)new JsonObject
        {
            ["primary"] = g.PrimaryId,
            ["config"] = JsonNode.Parse(g.Config.ToString()),
            ["sampled_paths"] = new JsonArray(g.SampledPaths.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray()),
            ["trials"] = new JsonArray(g.Trials.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()),
            ["scores"] = new JsonObject(g.Scores.Select(s => KeyValuePair.Create(s.Key, double.IsNaN(s.Value) ? null : (JsonNode?)JsonValue.Create(s.Value)))),
        }).ToArray()),
        ["searcher"] = Searcher.SaveState(),
    };

    /// <inheritdoc />
    public void RestoreState(JsonObject state)
    {
        int version = state["version"]!.GetValue<int>();
        if (version != StateVersion)
            throw new TuneException($"Repeater state has version {version}; this TuneSharp reads version {StateVersion}.");
        _groups.Clear();
        foreach (JsonNode? node in state["groups"]!.AsArray())
        {
            var group = new Group(node!["primary"]!.GetValue<string>(),
                Config.FromJson(JsonSerializer.SerializeToElement(node["config"])),
                node["sampled_paths"]!.AsArray().Select(p => p!.GetValue<string>()).ToList());
            group.Trials.AddRange(node["trials"]!.AsArray().Select(t => t!.GetValue<string>()));
            foreach (var (id, score) in node["scores"]!.AsObject())
                group.Scores[id] = score is null ? double.NaN : score.GetValue<double>();
            _groups.Add(group);
        }
        Searcher.RestoreState(state["searcher"]!.AsObject());
    }

    private sealed class Group(string primaryId, Config config, IReadOnlyList<string> sampledPaths)
    {
        public string PrimaryId { get; } = primaryId;
        public Config Config { get; } = config;
        public IReadOnlyList<string> SampledPaths { get; } = sampledPaths;
        public List<string> Trials { get; } = [];
        public Dictionary<string, double> Scores { get; } = [];
    }
}
