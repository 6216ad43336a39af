using System.Text.Json.Nodes;

namespace TuneSharp.Search;

/// <summary>
/// Random and grid search, the default searcher (Ray Tune's <c>BasicVariantGenerator</c>): the cartesian
/// product of every <see cref="Tune.GridSearch(object?[])"/> is repeated <c>NumSamples</c> times with the random
/// parameters sampled afresh each time; <see cref="PointsToEvaluate"/> come first, each using one sample.
/// </summary>
public sealed class BasicVariantGenerator : ISearcher
{
    private const int StateVersion = 1;
    private SearchSpace _space = new();
    private IEnumerator<(Dictionary<string, object?> Preset, Dictionary<string, object?> Grid)>? _variants;
    private IReadOnlyList<string> _sampledPaths = [];
    private Random _random = new();
    private int _seed;
    private int _generated;
    private int _numSamples = 1;
    private readonly HashSet<string> _live = [];

    /// <summary>Partial configs to try first (Ray's <c>points_to_evaluate</c>); missing parameters are sampled.
    /// Keys may be nested dictionaries or '/'-joined paths. <value>The default is none.</value></summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> PointsToEvaluate { get; init; } = [];

    /// <summary>At most this many trials from this searcher run at once; 0 means no limit.
    /// <value>The default value is 0.</value></summary>
    public int MaxConcurrent { get; init; }

    /// <summary>Seed for sampling; null takes the experiment's seed, or a random one.
    /// <value>The default value is null.</value></summary>
    public int? Seed { get; init; }

    /// <summary>The number of trials this searcher will create, or null when unbounded (<c>NumSamples = -1</c>).</summary>
    public long? TotalVariants { get; private set; }

    /// <inheritdoc />
    public void Setup(SearcherSetup setup)
    {
        if (MaxConcurrent < 0)
            throw new TuneException($"BasicVariantGenerator.MaxConcurrent is {MaxConcurrent}; it must be 0 (no limit) or positive.");
        _space = setup.Space;
        _numSamples = setup.NumSamples;
        _live.Clear(); // trials of an earlier run that was cancelled never completed
        for (int i = 0; i < PointsToEvaluate.Count; i++)
            SpaceWalker.CheckPointKeys(_space, SpaceWalker.FlattenPreset(PointsToEvaluate[i], _space), $"BasicVariantGenerator.PointsToEvaluate[{i}]");
        _seed = Seed ?? setup.Seed ?? Random.Shared.Next();
        var grids = SpaceWalker.Grids(_space);
        _sampledPaths = SpaceWalker.Primitives(_space)
            .Where(p => p.Primitive is not FunctionDomain).Select(p => p.Path).ToList();
        long gridSize = grids.Aggregate(1L, (n, g) => n * g.Grid.Values.Count);
        TotalVariants = _numSamples < 0 ? null : CountVariants(grids, gridSize);
        Restart();
    }

    private void Restart()
    {
        _random = new Random(_seed);
        _variants = Variants(SpaceWalker.Grids(_space)).GetEnumerator();
        _generated = 0;
    }

    private long CountVariants(IReadOnlyList<(string Path, GridSearch Grid)> grids, long gridSize)
    {
        long total = 0;
        foreach (var point in PointsToEvaluate)
        {
            var preset = SpaceWalker.FlattenPreset(point, _space);
            total += grids.Where(g => !preset.ContainsKey(g.Path)).Aggregate(1L, (n, g) => n * g.Grid.Values.Count);
        }
        return total + Math.Max(0, _numSamples - PointsToEvaluate.Count) * gridSize;
    }

    private IEnumerable<(Dictionary<string, object?>, Dictionary<string, object?>)> Variants(
        IReadOnlyList<(string Path, GridSearch Grid)> grids)
    {
        foreach (var point in PointsToEvaluate)
        {
            var preset = SpaceWalker.FlattenPreset(point, _space);
            foreach (var grid in GridProduct(grids.Where(g => !preset.ContainsKey(g.Path)).ToList()))
                yield return (preset, grid);
        }
        var none = new Dictionary<string, object?>();
        for (long sample = PointsToEvaluate.Count; _numSamples < 0 || sample < _numSamples; sample++)
            foreach (var grid in GridProduct(grids))
                yield return (none, grid);
    }

    // Ray's order: the first grid parameter (by path, see SpaceWalker.Grids) varies fastest.
    private static IEnumerable<Dictionary<string, object?>> GridProduct(IReadOnlyList<(string Path, GridSearch Grid)> grids)
    {
        var index = new int[grids.Count];
        while (true)
        {
            var assignment = new Dictionary<string, object?>(grids.Count);
            for (int i = 0; i < grids.Count; i++)
                assignment[grids[i].Path] = grids[i].Grid.Values[index[i]];
            yield return assignment;
            int k = 0;
            while (k < grids.Count && ++index[k] == grids[k].Grid.Values.Count)
                index[k++] = 0;
            if (k == grids.Count)
                yield break;
        }
    }

    /// <inheritdoc />
    public Suggestion Suggest(string trialId)
    {
        if (_variants is null)
            throw new InvalidOperationException("Setup must be called before Suggest.");
        if (MaxConcurrent > 0 && _live.Count >= MaxConcurrent)
            return Suggestion.NotReady;
        Config? config = NextConfig();
        if (config is null)
            return Suggestion.Finished;
        _live.Add(trialId);
        return Suggestion.For(config, _sampledPaths);
    }

    private Config? NextConfig()
    {
        if (!_variants!.MoveNext())
            return null;
        var (preset, grid) = _variants.Current;
        _generated++;
        return new Config(SpaceWalker.Resolve(_space, _random, grid, preset));
    }

    /// <inheritdoc />
    public void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error) => _live.Remove(trialId);

    /// <inheritdoc />
    public JsonObject SaveState() => new()
    {
        ["version"] = StateVersion,
        ["seed"] = _seed,
        ["generated"] = _generated,
        ["live"] = new JsonArray(_live.Select(id => (JsonNode)id!).ToArray()),
    };

    /// <inheritdoc />
    public void RestoreState(JsonObject state)
    {
        int version = state["version"]!.GetValue<int>();
        if (version != StateVersion)
            throw new TuneException($"BasicVariantGenerator state has version {version}; this TuneSharp reads version {StateVersion}.");
        _seed = state["seed"]!.GetValue<int>();
        Restart();
        // Replaying the same number of draws puts the random source exactly where it was.
        int generated = state["generated"]!.GetValue<int>();
        for (int i = 0; i < generated; i++)
            NextConfig();
        _live.Clear();
        foreach (JsonNode? id in state["live"]!.AsArray())
            _live.Add(id!.GetValue<string>());
    }
}
