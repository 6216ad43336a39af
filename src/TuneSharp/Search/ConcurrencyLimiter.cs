using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Search;

/// <summary>
/// Lets at most <see cref="MaxConcurrent"/> trials of the wrapped searcher be live (suggested and not yet
/// complete) at once (Ray Tune's <c>ConcurrencyLimiter</c>): past that, <see cref="Suggest"/> answers
/// <see cref="Suggestion.NotReady"/>. With a limit of 1 a model-based searcher is strictly sequential: every
/// suggestion knows every earlier result. With
/// <see cref="Batch"/>, the wrapped searcher hears of completions only when the whole batch has finished.
/// </summary>
public sealed class ConcurrencyLimiter : ISearcher
{
    private const int StateVersion = 1;
    private readonly List<string> _live = [];
    private readonly List<(string Id, IReadOnlyDictionary<string, object?>? Result, bool Error)> _finished = [];

    /// <summary>Wraps <paramref name="searcher"/>.</summary>
    /// <param name="searcher">The searcher to limit.</param>
    /// <param name="maxConcurrent">The largest number of live trials (Ray's <c>max_concurrent</c>); at least 1.</param>
    /// <param name="batch">Ray's <c>batch</c>: suggest a full batch, then wait for all of it before telling the searcher.</param>
    public ConcurrencyLimiter(ISearcher searcher, int maxConcurrent, bool batch = false)
    {
        Searcher = searcher ?? throw new ArgumentNullException(nameof(searcher));
        MaxConcurrent = maxConcurrent;
        Batch = batch;
    }

    /// <summary>The wrapped searcher.</summary>
    public ISearcher Searcher { get; }

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys => Searcher.RequiredResultKeys;

    /// <summary>The largest number of live trials.</summary>
    public int MaxConcurrent { get; }

    /// <summary>Whether completions are held back until the whole batch has finished.</summary>
    public bool Batch { get; }

    /// <inheritdoc />
    public void Setup(SearcherSetup setup)
    {
        if (MaxConcurrent < 1)
            throw new TuneException($"ConcurrencyLimiter.MaxConcurrent is {MaxConcurrent}; use 1 or more live trials.");
        _live.Clear();
        _finished.Clear();
        Searcher.Setup(setup);
    }

    /// <inheritdoc />
    public Suggestion Suggest(string trialId)
    {
        if (_live.Count >= MaxConcurrent)
            return Suggestion.NotReady;
        Suggestion suggestion = Searcher.Suggest(trialId);
        if (suggestion.Kind == SuggestionKind.Config)
            _live.Add(trialId);
        return suggestion;
    }

    /// <inheritdoc />
    public void OnTrialResult(string trialId, IReadOnlyDictionary<string, object?> result)
    {
        if (_live.Contains(trialId))
            Searcher.OnTrialResult(trialId, result);
    }

    /// <inheritdoc />
    public void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error)
    {
        if (!_live.Contains(trialId))
            return;
        if (!Batch)
        {
            _live.Remove(trialId);
            Searcher.OnTrialComplete(trialId, result, error);
            return;
        }
        _finished.Add((trialId, result, error));
        if (_finished.Count < _live.Count)
            return;
        // The batch is done: the searcher learns every result at once, in completion order.
        foreach (var (id, r, e) in _finished)
            Searcher.OnTrialComplete(id, r, e);
        _finished.Clear();
        _live.Clear();
    }

    /// <inheritdoc />
    public JsonObject SaveState() => new()
    {
        ["version"] = StateVersion,
        ["live"] = new JsonArray(_live.Select(id => (JsonNode)JsonValue.Create(id)!).ToArray()),
        ["finished"] = new JsonArray(_finished.Select(f => (JsonNode)new JsonObject
        {
            ["id"] = f.Id,
            ["error"] = f.Error,
            ["result"] = f.Result is null ? null : JsonSerializer.SerializeToNode(f.Result, JsonDefaults.Options),
        }).ToArray()),
        ["searcher"] = Searcher.SaveState(),
    };

    /// <inheritdoc />
    public void RestoreState(JsonObject state)
    {
        int version = state["version"]!.GetValue<int>();
        if (version != StateVersion)
            throw new TuneException($"ConcurrencyLimiter state has version {version}; this TuneSharp reads version {StateVersion}.");
        _live.Clear();
        _live.AddRange(state["live"]!.AsArray().Select(id => id!.GetValue<string>()));
        _finished.Clear();
        foreach (JsonNode? f in state["finished"]!.AsArray())
        {
            JsonNode? result = f!["result"];
            _finished.Add((f["id"]!.GetValue<string>(),
                result is null ? null : JsonValues.ToDictionary(JsonSerializer.SerializeToElement(result)), f["error"]!.GetValue<bool>()));
        }
        Searcher.RestoreState(state["searcher"]!.AsObject());
    }
}
