using System.Text.Json.Nodes;
using static TuneSharp.Search.Encoding.StateJson;

namespace TuneSharp.Search.Encoding;

/// <summary>
/// The bookkeeping TpeSearch and BayesOptSearch share: the metric and mode, the encoded space, the points to evaluate
/// (or, with rewards, the warm-start observations), completed and running trials, and the seed with the suggestion
/// count (each suggestion draws from its own seeded stream, so a restored searcher draws exactly what the original
/// would have). Each searcher keeps only its model.
/// </summary>
internal sealed class ObservedSearch(string searcher)
{
    private List<Dictionary<string, object?>> _points = [];
    private int _nextPoint;
    private int _suggested;
    private EncodedSpace? _space;

    public EncodedSpace Space => _space ?? throw new InvalidOperationException($"{searcher}.Setup must be called first.");
    public Observations Observations { get; private set; } = new(0);
    public string Metric { get; private set; } = "";
    public Mode Mode { get; private set; }
    public RequiredResultKey[] Required { get; private set; } = [];
    public int Seed { get; private set; }

    /// <summary>Validates a searcher's warm-start lists before anything else, so bad input fails before any trial runs
    /// (every model-based searcher takes <c>PointsToEvaluate</c> with optional <c>EvaluatedRewards</c>).</summary>
    public static void ValidatePoints(string searcher, IReadOnlyList<IReadOnlyDictionary<string, object?>> points, IReadOnlyList<double> rewards)
    {
        if (rewards.Count > 0 && rewards.Count != points.Count)
            throw new TuneException($"{searcher}.EvaluatedRewards is a list of {rewards.Count}; give one reward per point to evaluate ({points.Count}), or none.");
        foreach (double reward in rewards)
            if (double.IsNaN(reward))
                throw new TuneException($"{searcher}.EvaluatedRewards is a list holding NaN; give a measured number for every point.");
    }

    public void Setup(SearcherSetup setup, string? metric, Mode? mode, int? seed,
        IReadOnlyList<IReadOnlyDictionary<string, object?>> points, IReadOnlyList<double> rewards)
    {
        MetricTarget target = setup.Target(searcher, metric, mode);
        (Metric, Mode, Required) = (target.Metric, target.Mode, [target.Required]);
        _space = new EncodedSpace(setup.Space, searcher);
        Seed = seed ?? setup.Seed ?? Random.Shared.Next();
        Observations = new Observations(_space.Parameters.Count);
        _nextPoint = 0;
        _suggested = 0;
        EncodedSpace space = _space;
        _points = WarmStart(space, points, rewards, (flat, i, reward) =>
            Observations.Add(space.FillFromPoint(flat, $"{searcher}.PointsToEvaluate[{i}]", random: null), Loss(reward)));
    }

    /// <summary>
    /// Flattens each point to evaluate and checks it against <paramref name="space"/> now, before any trial runs.
    /// Without rewards the points are returned, to be suggested first; with rewards each goes to
    /// <paramref name="observe"/> with its reward instead (a warm start), and none is returned.
    /// </summary>
    public static List<Dictionary<string, object?>> WarmStart(EncodedSpace space,
        IReadOnlyList<IReadOnlyDictionary<string, object?>> points, IReadOnlyList<double> rewards,
        Action<Dictionary<string, object?>, int, double> observe)
    {
        var toSuggest = new List<Dictionary<string, object?>>();
        for (int i = 0; i < points.Count; i++)
        {
            var flat = space.FlattenPoint(points[i]);
            space.CheckPointKeys(flat, $"{space.Searcher}.PointsToEvaluate[{i}]");
            space.Encode(flat, i); // throws for a value outside its domain
            if (rewards.Count == 0)
                toSuggest.Add(flat);
            else
                observe(flat, i, rewards[i]);
        }
        return toSuggest;
    }

    /// <summary>The random stream of the next suggestion.</summary>
    public SplitMix64 NextStream() => SplitMix64.Stream(Seed, _suggested++);

    /// <summary>The next point to evaluate, completed from the prior where it leaves parameters out, or null when
    /// all have been handed out.</summary>
    public (double[] X, Dictionary<string, object?> Preset)? NextPoint(SplitMix64 random)
    {
        if (_nextPoint >= _points.Count)
            return null;
        var preset = _points[_nextPoint];
        return (Space.FillFromPoint(preset, $"{searcher}.PointsToEvaluate[{_nextPoint++}]", random), preset);
    }

    /// <summary>A draw from the prior over the whole space.</summary>
    public double[] SamplePrior(SplitMix64 random) => Space.FillFromPoint(new Dictionary<string, object?>(), "", random);

    /// <summary>Records <paramref name="x"/> as the running trial's point and builds its config.</summary>
    public Suggestion Hand(string trialId, double[] x, Dictionary<string, object?>? preset)
    {
        Observations.AddRunning(trialId, x);
        return Suggestion.For(Space.BuildConfig(x, preset), Space.SampledPaths);
    }

    /// <summary>A trial ended: its last metric becomes an observation; errored trials and trials without a usable
    /// number tell the model nothing.</summary>
    public void Complete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error)
    {
        double[]? x = Observations.TakeRunning(trialId);
        if (x is not null && !error && result is not null && ResultFields.TryGetDouble(result, Metric, out double value) && !double.IsNaN(value))
            Observations.Add(x, Loss(value));
    }

    /// <summary>The models always minimise (ASHA's habit of turning the mode into a sign once).</summary>
    public double Loss(double metric) => -Mode.Sign() * metric;

    /// <summary>The shared part of a searcher's state; the searcher adds its model's fields.</summary>
    public JsonObject Save(int version)
    {
        var rows = new JsonArray();
        var losses = new JsonArray();
        for (int row = 0; row < Observations.Count; row++)
        {
            rows.Add(Vector(Observations.Row(row)));
            losses.Add(Number(Observations.Loss(row)));
        }
        var running = new JsonArray();
        foreach (var (id, x) in Observations.Running)
            running.Add(new JsonObject { ["id"] = id, ["x"] = Vector(x) });
        return new JsonObject
        {
            ["version"] = version,
            ["seed"] = Seed,
            ["suggested"] = _suggested,
            ["next_point"] = _nextPoint,
            ["parameters"] = new JsonArray(_space?.Keys.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray() ?? []),
            ["losses"] = losses,
            ["rows"] = rows,
            ["running"] = running,
        };
    }

    /// <summary>Restores what <see cref="Save"/> wrote; the search space must be the one it was saved with.</summary>
    public void Restore(JsonObject state, int version)
    {
        int saved = state["version"]!.GetValue<int>();
        if (saved != version)
            throw new TuneException($"{searcher} state has version {saved}; this TuneSharp reads version {version}.");
        string[] keys = state["parameters"]!.AsArray().Select(k => k!.GetValue<string>()).ToArray();
        if (!keys.SequenceEqual(Space.Keys))
            throw new TuneException(
                $"{searcher} state was saved for the parameters [{Describe(keys)}] but the search space now has [{Describe(Space.Keys)}]. Restore with the same search space.");
        Seed = state["seed"]!.GetValue<int>();
        _suggested = state["suggested"]!.GetValue<int>();
        _nextPoint = state["next_point"]!.GetValue<int>();
        Observations.Clear();
        JsonArray rows = state["rows"]!.AsArray(), losses = state["losses"]!.AsArray();
        for (int row = 0; row < rows.Count; row++)
            Observations.Add(ReadVector(rows[row]!), ReadNumber(losses[row]));
        foreach (JsonNode? entry in state["running"]!.AsArray())
            Observations.AddRunning(entry!["id"]!.GetValue<string>(), ReadVector(entry["x"]!));
    }
}
