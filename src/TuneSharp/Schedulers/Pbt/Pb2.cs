using System.Text.Json.Nodes;
using TuneSharp.Search;
using TuneSharp.Search.BayesOpt;

namespace TuneSharp.Schedulers;

/// <summary>
/// Population-Based Bandits (Parker-Holder et al. 2020, "Provably Efficient Online Hyperparameter
/// Optimization with Population-Based Bandits"), as Ray Tune's <c>PB2</c>: PBT whose explore step is a
/// Gaussian-process bandit. Each interval's change in the metric is modelled as a function of (time,
/// hyperparameters) and the exploiting trial gets the point of <see cref="HyperparamBounds"/> with the highest
/// upper confidence bound at the current time.
/// </summary>
/// <remarks>
/// The GP is <see cref="BayesOptSearch"/>'s: an ARD Matérn 5/2 kernel on (time, hyperparameters) scaled to [0, 1],
/// its length scales, signal and noise fitted by marginal likelihood at every explore step (from the previous fit).
/// The paper fits a time-varying kernel, k_x · (1 − ε)^(|t − t'|/2) (Bogunovic et al. 2016); here the length scale of
/// the time axis plays ε's part: how fast old gains stop predicting new ones. The UCB weight grows like √log t
/// (GP-UCB, Srinivas et al. 2010) and the acquisition is maximised over random candidates. Members exploiting in the
/// same round are spread out as in GP-BUCB (Desautels et al. 2014). Bounds are never left; integer hyperparameters
/// stay integers.
/// </remarks>
public sealed class Pb2 : ITrialScheduler
{
    private readonly List<(double Time, double[] Point, double Gain)> _data = new();
    private readonly Dictionary<string, (double Time, double Score)> _lastSeen = new();
    // Points chosen since the data last grew: later choices in the same round are pushed away from them.
    private readonly List<double[]> _chosenThisRound = new();
    private long _observations, _observationsAtLastChoice = -1; // counts every observation, also those _data drops
    private GpHyperparameters? _kernel;
    private PopulationBasedTraining _pbt = null!;
    private Random _random = new();
    private string[] _names = [];
    private double _sign = 1;
    private string _metric = "";

    /// <summary>The result field that measures progress. <value>The default value is <c>time_total_s</c>.</value></summary>
    public string TimeAttr { get; init; } = ResultFields.TimeTotalS;
    /// <summary>The metric; null takes <c>TuneConfig.Metric</c>. <value>The default value is null.</value></summary>
    public string? Metric { get; init; }
    /// <summary>The direction; null takes <c>TuneConfig.Mode</c>. <value>The default value is null.</value></summary>
    public Mode? Mode { get; init; }
    /// <summary>Exploit and explore every this much <see cref="TimeAttr"/>. <value>The default value is 60.</value></summary>
    public double PerturbationInterval { get; init; } = 60;
    /// <summary>The fraction of the population that exploits, and that is copied. <value>The default value is 0.25.</value></summary>
    public double QuantileFraction { get; init; } = 0.25;
    /// <summary>Continuous hyperparameters and their [low, high] bounds. <value>The default is none.</value></summary>
    public IReadOnlyDictionary<string, (double Low, double High)> HyperparamBounds { get; init; } = new Dictionary<string, (double, double)>();
    /// <summary>Synchronous mode, as <see cref="PopulationBasedTraining.Synch"/>. <value>The default value is false.</value></summary>
    public bool Synch { get; init; }
    /// <summary>Applied to the config after the bandit's choice, as <see cref="PopulationBasedTraining.CustomExploreFn"/>.
    /// <value>The default value is null.</value></summary>
    public Func<Config, Config>? CustomExploreFn { get; init; }
    /// <summary>Fail when a result lacks <see cref="TimeAttr"/> or the metric. <value>The default value is true.</value></summary>
    public bool RequireAttrs { get; init; } = true;
    /// <summary>Write <c>pbt_global.txt</c> and <c>pbt_policy_&lt;id&gt;.txt</c>. <value>The default value is true.</value></summary>
    public bool LogConfig { get; init; } = true;
    /// <summary>Random candidates the acquisition is maximised over. <value>The default value is 500.</value></summary>
    public int Candidates { get; init; } = 500;
    /// <summary>At most this many latest observations are modelled, keeping each step cheap. <value>The default value is 300.</value></summary>
    public int MaxObservations { get; init; } = 300;

    /// <inheritdoc />
    public void Setup(string? metric, Mode? mode, int? seed)
    {
        if (HyperparamBounds.Count == 0)
            throw new TuneException("Pb2.HyperparamBounds is empty; give each continuous hyperparameter to tune as [low, high].");
        foreach (var (name, (low, high)) in HyperparamBounds)
            if (!(low < high) || !double.IsFinite(low) || !double.IsFinite(high))
                throw new TuneException($"Pb2.HyperparamBounds['{name}'] is [{low}, {high}]; the low bound must be below the high one.");
        if (Candidates < 1)
            throw new TuneException($"Pb2.Candidates is {Candidates}; the acquisition needs at least 1 candidate (500 by default).");
        if (MaxObservations < 2)
            throw new TuneException($"Pb2.MaxObservations is {MaxObservations}; the bandit's model needs at least 2 observations (300 by default).");
        _names = HyperparamBounds.Keys.ToArray();
        _random = new Random(seed ?? Random.Shared.Next());
        _pbt = new PopulationBasedTraining
        {
            TimeAttr = TimeAttr, Metric = Metric, Mode = Mode, PerturbationInterval = PerturbationInterval,
            QuantileFraction = QuantileFraction, Synch = Synch, RequireAttrs = RequireAttrs, LogConfig = LogConfig,
            CustomExploreFn = CustomExploreFn is { } custom ? config => custom(Select(config)) : Select,
            OwnerName = nameof(Pb2),
        };
        _pbt.Setup(metric, mode, seed);
        MetricTarget target = MetricTarget.Resolve(nameof(Pb2), Metric, Mode, metric, mode); // checked by the PBT above
        (_metric, _sign) = (target.Metric, target.Mode.Sign());
    }

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys => _pbt.RequiredResultKeys;

    /// <inheritdoc />
    public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
    {
        if (ResultFields.TryGetDouble(result, TimeAttr, out double time) && ResultFields.TryGetDouble(result, _metric, out double value))
        {
            double score = _sign * value;
            // The bandit's reward: how much the metric improved per unit of time under these hyperparameters.
            if (_lastSeen.TryGetValue(trial.TrialId, out var last) && time > last.Time)
            {
                _data.Add((time, Normalise(trial.Config), (score - last.Score) / (time - last.Time)));
                _observations++;
            }
            _lastSeen[trial.TrialId] = (time, score);
            if (_data.Count > MaxObservations)
                _data.RemoveAt(0);
        }
        TrialDecision decision = _pbt.OnTrialResult(trial, result);
        if (decision.Action == TrialAction.Restart)
            _lastSeen.Remove(trial.TrialId); // its next gain is measured from the copied state
        return decision;
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<string, TrialDecision>> TakeDecisions()
    {
        var decisions = _pbt.TakeDecisions();
        // Synchronous PBT restarts waiting members here: their next gain, too, is measured from the copied state, not
        // from their own old score (which would credit the copy's jump to the new hyperparameters).
        foreach (var (id, decision) in decisions)
            if (decision.Action == TrialAction.Restart)
                _lastSeen.Remove(id);
        return decisions;
    }

    /// <summary>How many points chosen this round condition the variance (for tests).</summary>
    internal int ChosenThisRound => _chosenThisRound.Count;

    /// <summary>GP-UCB over the bounds at the current time (the explore step PBT calls). With fewer than two
    /// observations there is nothing to model, and the copied config is kept, as Ray's PB2 does.</summary>
    internal Config Select(Config config)
    {
        if (_data.Count < 2)
            return config;
        if (_observations != _observationsAtLastChoice)
            _chosenThisRound.Clear();
        double now = _data.Max(d => d.Time);
        var model = new GainModel(_data, _kernel);
        _kernel = model.Kernel;
        // GP-BUCB (Desautels et al. 2014), as Ray's PB2: the variance comes from the model conditioned also on this
        // round's earlier choices (at their predicted means), so several members exploiting at once spread out.
        GainModel spread = _chosenThisRound.Count == 0 ? model : model.WithBelievers(now, _chosenThisRound);
        double beta = 2 * Math.Log(Math.Max(2, _data.Count)); // GP-UCB's slowly growing exploration weight
        double bestUcb = double.NegativeInfinity;
        double[] best = [];
        for (int c = 0; c < Candidates; c++)
        {
            double[] point = Enumerable.Range(0, _names.Length).Select(_ => _random.NextDouble()).ToArray();
            var (mean, variance) = model.Predict(now, point);
            if (spread != model) // the first choice of a round has no believers: one prediction serves both
                variance = spread.Predict(now, point).Variance;
            double ucb = mean + Math.Sqrt(beta * variance);
            if (ucb > bestUcb)
                (bestUcb, best) = (ucb, point);
        }
        _chosenThisRound.Add(best);
        _observationsAtLastChoice = _observations;
        for (int i = 0; i < _names.Length; i++)
        {
            var (low, high) = HyperparamBounds[_names[i]];
            double value = low + Math.Clamp(best[i], 0, 1) * (high - low);
            // An integer hyperparameter stays an integer, cut as Ray's int(): params.json and Get<int> see whole numbers.
            config = config.With(_names[i], config.TryGetRaw(_names[i], out object? old) && old is int or long ? (object)(long)value : value);
        }
        return config;
    }

    private double[] Normalise(Config config) => _names.Select(name =>
    {
        var (low, high) = HyperparamBounds[name];
        double v = config.Contains(name) ? config.Get<double>(name) : low;
        return Math.Clamp((v - low) / (high - low), 0, 1);
    }).ToArray();

    /// <summary>A GP on (time, hyperparameters) → standardised gain, its kernel fitted to the data.</summary>
    private sealed class GainModel
    {
        private readonly GaussianProcess _gp;
        private readonly double _tMin, _tSpan;
        private readonly double[] _features, _targets, _k, _w;
        private readonly int _dimensions;

        public GainModel(List<(double Time, double[] Point, double Gain)> data, GpHyperparameters? start)
        {
            _tMin = data.Min(d => d.Time);
            _tSpan = Math.Max(1e-12, data.Max(d => d.Time) - _tMin);
            _dimensions = 1 + data[0].Point.Length;
            _features = data.SelectMany(d => Input(d.Time, d.Point)).ToArray();
            double mean = data.Average(d => d.Gain);
            double scale = Math.Max(1e-12, Math.Sqrt(data.Average(d => (d.Gain - mean) * (d.Gain - mean))));
            _targets = data.Select(d => (d.Gain - mean) / scale).ToArray();
            Kernel = GpFit.Fit(_features, _dimensions, _targets, start ?? GpHyperparameters.Initial(_dimensions), start is null ? 100 : 30);
            _gp = new GaussianProcess(_features, _dimensions, _targets, Kernel);
            _k = new double[data.Count];
            _w = new double[data.Count];
        }

        private GainModel(GainModel basis, double[] features, double[] targets)
        {
            (_tMin, _tSpan, _dimensions, _features, _targets, Kernel) = (basis._tMin, basis._tSpan, basis._dimensions, features, targets, basis.Kernel);
            _gp = new GaussianProcess(features, _dimensions, targets, Kernel);
            _k = new double[targets.Length];
            _w = new double[targets.Length];
        }

        /// <summary>The same kernel conditioned also on <paramref name="points"/> at their predicted means: the mean
        /// stays, the variance near them shrinks.</summary>
        public GainModel WithBelievers(double time, IReadOnlyList<double[]> points) =>
            new(this, [.. _features, .. points.SelectMany(p => Input(time, p))], [.. _targets, .. points.Select(p => Predict(time, p).Mean)]);

        public GpHyperparameters Kernel { get; }

        // In standardised units: ranking is all the acquisition needs.
        public (double Mean, double Variance) Predict(double time, double[] point) => _gp.Predict(Input(time, point), _k, _w);

        private double[] Input(double time, double[] point) => [(time - _tMin) / _tSpan, .. point];
    }

    /// <inheritdoc />
    public void Attach(IExperimentView view) => _pbt.Attach(view);
    /// <summary>Draws the bounded hyperparameters the search space left out uniformly within their bounds, as Ray's PB2.</summary>
    public Config CompleteConfig(Config config)
    {
        foreach (var (name, (low, high)) in HyperparamBounds)
            if (!config.Contains(name))
                config = config.With(name, low + _random.NextDouble() * (high - low));
        return config;
    }
    /// <inheritdoc />
    public void OnTrialAdd(TrialInfo trial) => _pbt.OnTrialAdd(trial);
    /// <inheritdoc />
    public void OnTrialComplete(TrialInfo trial, IReadOnlyDictionary<string, object?>? result) => _pbt.OnTrialComplete(trial, result);
    /// <inheritdoc />
    public void OnTrialRemove(TrialInfo trial) => _pbt.OnTrialRemove(trial);
    /// <inheritdoc />
    public void OnTrialError(TrialInfo trial) => _pbt.OnTrialError(trial);
    /// <inheritdoc />
    public TrialInfo? ChooseTrialToRun(IReadOnlyList<TrialInfo> waiting) => _pbt.ChooseTrialToRun(waiting);
    /// <inheritdoc />
    public bool NeedsCheckpoint(string path) => _pbt.NeedsCheckpoint(path);
    /// <inheritdoc />
    public void OnTrialCheckpoint(TrialInfo trial, string checkpointPath) => _pbt.OnTrialCheckpoint(trial, checkpointPath);
    /// <inheritdoc />
    public JsonObject SaveState() => new()
    {
        ["version"] = 1,
        ["pbt"] = _pbt.SaveState(),
        ["data"] = new JsonArray(_data.Select(d => (JsonNode)new JsonArray([d.Time, d.Gain, .. d.Point.Select(p => (JsonNode)p)])).ToArray()),
        ["last_seen"] = new JsonObject(_lastSeen.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonArray(kv.Value.Time, kv.Value.Score)))),
        // The last fitted kernel: the next fit starts from it, so a restored experiment explores as the original would.
        ["kernel"] = _kernel is null ? null : new JsonArray(_kernel.ToVector().Select(v => (JsonNode)v).ToArray()),
    };

    /// <inheritdoc />
    public void RestoreState(JsonObject state)
    {
        if (state["version"]!.GetValue<int>() != 1)
            throw new TuneException($"Pb2 state has version {state["version"]}; this TuneSharp reads version 1.");
        _pbt.RestoreState(state["pbt"]!.AsObject());
        _data.Clear();
        foreach (JsonNode? row in state["data"]!.AsArray())
        {
            var values = row!.AsArray().Select(v => JsonValues.ReadDouble(v!)).ToArray();
            _data.Add((values[0], values[2..], values[1]));
        }
        _lastSeen.Clear();
        foreach (var (id, pair) in state["last_seen"]!.AsObject())
            _lastSeen[id] = (JsonValues.ReadDouble(pair![0]!), JsonValues.ReadDouble(pair[1]!));
        _kernel = state["kernel"] is JsonArray kernel ? GpHyperparameters.FromVector(kernel.Select(v => JsonValues.ReadDouble(v!)).ToArray()) : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> StatusLines() => [.. _pbt.StatusLines().Select(l => l.Replace("PopulationBasedTraining", "PB2")), $"PB2 model: {_data.Count} observations"];
}
