using System.Text.Json.Nodes;

namespace TuneSharp.Schedulers;

/// <summary>
/// Asynchronous successive halving (ASHA; Li et al. 2018, "A System for Massively Parallel Hyperparameter
/// Tuning", Algorithm 2), as Ray Tune's <c>AsyncHyperBandScheduler</c> implements it: each trial is put in
/// one of <see cref="Brackets"/> brackets; when it reaches a rung (GracePeriod × ReductionFactor^k) it is
/// stopped unless its metric is in the top 1/<see cref="ReductionFactor"/> of what that rung has recorded.
/// </summary>
public class AsyncHyperBandScheduler : ITrialScheduler
{
    private const int StateVersion = 1;
    private readonly Dictionary<string, int> _bracketOf = new();
    private List<AshaBracket> _brackets = new();
    private Random _random = new();
    private int _seed;
    private long _draws;
    private string _metric = "";
    private double _sign = 1;
    private int _numStopped;

    /// <summary>The result field that measures progress. <value>The default value is <c>training_iteration</c>.</value></summary>
    public string TimeAttr { get; init; } = ResultFields.TrainingIteration;
    /// <summary>The metric; null takes <c>TuneConfig.Metric</c>. <value>The default value is null.</value></summary>
    public string? Metric { get; init; }
    /// <summary>The direction; null takes <c>TuneConfig.Mode</c>. <value>The default value is null.</value></summary>
    public Mode? Mode { get; init; }
    /// <summary>Trials are stopped at this <see cref="TimeAttr"/> at the latest. <value>The default value is 100.</value></summary>
    public double MaxT { get; init; } = 100;
    /// <summary>No trial is stopped before this <see cref="TimeAttr"/>; the first rung. <value>The default value is 1.</value></summary>
    public double GracePeriod { get; init; } = 1;
    /// <summary>η: rungs are this factor apart, and 1/η of trials pass each. <value>The default value is 4.</value></summary>
    public double ReductionFactor { get; init; } = 4;
    /// <summary>The number of brackets (HyperBand's s values). <value>The default value is 1.</value></summary>
    public int Brackets { get; init; } = 1;
    /// <summary>Stop trials when they reach <see cref="MaxT"/>. <value>The default value is true.</value></summary>
    public bool StopLastTrials { get; init; } = true;

    /// <summary>The brackets, for inspection and tests.</summary>
    internal IReadOnlyList<AshaBracket> BracketList => _brackets;

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys { get; private set; } = [];

    /// <inheritdoc />
    public void Setup(string? metric, Mode? mode, int? seed)
    {
        string name = GetType().Name;
        MetricTarget target = MetricTarget.Resolve(name, Metric, Mode, metric, mode);
        (_metric, _sign) = (target.Metric, target.Mode.Sign());
        RequiredResultKeys = [target.Required, new(TimeAttr, $"{name}.TimeAttr")];
        if (!(GracePeriod > 0)) throw new TuneException($"{name}.GracePeriod is {GracePeriod}; it must be positive.");
        if (!(MaxT >= GracePeriod)) throw new TuneException($"{name}.MaxT is {MaxT}; it must be at least GracePeriod ({GracePeriod}).");
        if (!(ReductionFactor > 1)) throw new TuneException($"{name}.ReductionFactor is {ReductionFactor}; it must be greater than 1.");
        if (Brackets < 1) throw new TuneException($"{name}.Brackets is {Brackets}; it must be at least 1.");
        _brackets = Enumerable.Range(0, Brackets).Select(s => new AshaBracket(GracePeriod, MaxT, ReductionFactor, s, StopLastTrials)).ToList();
        if (_brackets.Any(b => b.Rungs.Count == 0))
            throw new TuneException($"{name}: with GracePeriod {GracePeriod}, MaxT {MaxT} and ReductionFactor {ReductionFactor}, bracket {_brackets.FindIndex(b => b.Rungs.Count == 0)} has no rung. Use fewer Brackets.");
        _seed = seed ?? Random.Shared.Next();
        _random = new Random(_seed);
    }

    /// <inheritdoc />
    public void OnTrialAdd(TrialInfo trial)
    {
        // Ray draws a bracket with probability ∝ exp(rungs - max rungs): bigger brackets are likelier.
        double max = _brackets.Max(b => b.Rungs.Count);
        double[] weights = _brackets.Select(b => Math.Exp(b.Rungs.Count - max)).ToArray();
        double u = _random.NextDouble() * weights.Sum();
        _draws++;
        int index = 0;
        while (index < weights.Length - 1 && (u -= weights[index]) > 0)
            index++;
        _bracketOf[trial.TrialId] = index;
    }

    /// <inheritdoc />
    public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
    {
        if (!ResultFields.TryGetDouble(result, TimeAttr, out double t) || !ResultFields.TryGetDouble(result, _metric, out double value))
            return TrialDecision.Continue;
        TrialDecision decision;
        if (t >= MaxT && StopLastTrials)
            decision = TrialDecision.Stop;
        else
            decision = _brackets[BracketIndex(trial)].OnResult(trial.TrialId, t, _sign * value)
                ? TrialDecision.Continue : TrialDecision.Stop;
        if (decision.Action == TrialAction.Stop)
            _numStopped++;
        return decision;
    }

    /// <inheritdoc />
    public void OnTrialComplete(TrialInfo trial, IReadOnlyDictionary<string, object?>? result)
    {
        if (result is not null && ResultFields.TryGetDouble(result, TimeAttr, out double t) && ResultFields.TryGetDouble(result, _metric, out double value))
            _brackets[BracketIndex(trial)].OnResult(trial.TrialId, t, _sign * value);
        _bracketOf.Remove(trial.TrialId);
    }

    /// <inheritdoc />
    public void OnTrialRemove(TrialInfo trial) => _bracketOf.Remove(trial.TrialId);

    /// <inheritdoc />
    public void OnTrialError(TrialInfo trial) => _bracketOf.Remove(trial.TrialId);

    private int BracketIndex(TrialInfo trial)
    {
        if (!_bracketOf.TryGetValue(trial.TrialId, out int index))
            OnTrialAdd(trial); // a restored trial the scheduler has not seen yet
        return _bracketOf[trial.TrialId];
    }

    /// <inheritdoc />
    public IReadOnlyList<string> StatusLines() =>
        [$"Using AsyncHyperBand: num_stopped={_numStopped}", .. _brackets.Select(b => b.Describe())];

    /// <inheritdoc />
    public JsonObject SaveState() => new()
    {
        ["version"] = StateVersion,
        ["seed"] = _seed,
        ["draws"] = _draws,
        ["num_stopped"] = _numStopped,
        ["bracket_of"] = new JsonObject(_bracketOf.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        ["rungs"] = new JsonArray(_brackets.Select(b => (JsonNode)b.SaveState()).ToArray()),
    };

    /// <inheritdoc />
    public void RestoreState(JsonObject state)
    {
        int version = state["version"]!.GetValue<int>();
        if (version != StateVersion)
            throw new TuneException($"{GetType().Name} state has version {version}; this TuneSharp reads version {StateVersion}.");
        _seed = state["seed"]!.GetValue<int>();
        _random = new Random(_seed);
        _draws = state["draws"]!.GetValue<long>();
        for (long i = 0; i < _draws; i++)
            _random.NextDouble();
        _numStopped = state["num_stopped"]!.GetValue<int>();
        _bracketOf.Clear();
        foreach (var (id, index) in state["bracket_of"]!.AsObject())
            _bracketOf[id] = index!.GetValue<int>();
        JsonArray rungs = state["rungs"]!.AsArray();
        for (int i = 0; i < _brackets.Count && i < rungs.Count; i++)
            _brackets[i].RestoreState(rungs[i]!.AsArray());
    }
}

/// <summary>Ray Tune's <c>ASHAScheduler</c>: the same algorithm as <see cref="AsyncHyperBandScheduler"/>.</summary>
public sealed class AshaScheduler : AsyncHyperBandScheduler;
