using TuneSharp.Schedulers;
using TuneSharp.Search.Bohb;
using TuneSharp.Search.Encoding;

namespace TuneSharp.Search;

/// <summary>
/// BOHB's configuration sampler (Falkner, Klein and Hutter 2018, "BOHB: Robust and efficient hyperparameter
/// optimization at scale", ICML; Ray Tune's <c>TuneBOHB</c>, hpbandster's <c>BOHB</c> config generator). It keeps the
/// loss of every trial at every HyperBand budget (milestone) it reached; with enough observations at some budget it
/// fits two product-kernel density estimators on the largest such budget, l on the best <see cref="TopNPercent"/> and
/// g on the rest, and proposes the best of <see cref="NumSamples"/> draws from a widened l by the ratio l(x)/g(x);
/// a <see cref="RandomFraction"/> of proposals stay random.
/// </summary>
/// <remarks>
/// Use it with <see cref="HyperBandForBohb"/> as <c>TuneConfig.Scheduler</c>: the scheduler tells it each trial's
/// loss at each milestone, and the <see cref="Tuner"/> refuses any other scheduler before a trial runs. Numeric
/// parameters (log-warped for log domains, as hpbandster's ConfigSpace) are scaled to [0, 1]; integers and
/// quantised values are modelled as continuous and snapped to their grid; categoricals use the Aitchison–Aitken
/// kernel; parameters nested in a chosen category are modelled where active. <see cref="Tune.Randn"/> (unbounded)
/// is not supported.
/// </remarks>
public sealed partial class BohbSearch : ISearcher, IBudgetObserver
{
    private EncodedSpace? _space;
    private BohbSettings? _settings;
    private readonly SortedDictionary<double, Observations> _byBudget = new();
    private readonly Dictionary<string, double[]> _trials = new();
    private List<Dictionary<string, object?>> _points = [];
    private int _nextPoint;
    private int _suggested;
    private int _seed;
    private double _warmStartBudget = double.PositiveInfinity;
    private string _metric = "";
    private Mode _mode;
    private RequiredResultKey[] _required = [];

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys => _required;

    /// <summary>The metric to optimise; null takes the experiment's (<see cref="TuneConfig.Metric"/>).
    /// <value>The default value is null.</value></summary>
    public string? Metric { get; init; }

    /// <summary>The direction; null takes the experiment's. <value>The default value is null.</value></summary>
    public Mode? Mode { get; init; }

    /// <summary>Seed of the searcher's random draws; null takes the experiment's seed, or a random one.
    /// <value>The default value is null.</value></summary>
    public int? Seed { get; init; }

    /// <summary>Configs to try first (Ray's <c>points_to_evaluate</c>), nested or with '/'-joined paths; parameters a
    /// point leaves out are sampled. <value>The default is none.</value></summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> PointsToEvaluate { get; init; } = [];

    /// <summary>The metric already measured for each of <see cref="PointsToEvaluate"/> (Ray's <c>evaluated_rewards</c>),
    /// taken as measured at the full budget (the scheduler's <c>MaxT</c>): those points then warm-start the model and
    /// are not run again. <value>The default is none.</value></summary>
    public IReadOnlyList<double> EvaluatedRewards { get; init; } = [];

    /// <summary>q: the percentage of a budget's observations, at least <see cref="MinPointsInModel"/>, that make the
    /// good set l is fitted on (Falkner et al. 2018, equation 2). <value>The default value is 15 (the paper's).</value></summary>
    public double TopNPercent { get; init; } = 15;

    /// <summary>N_s: candidates drawn from the widened good density per model-based proposal (Falkner et al. 2018,
    /// Algorithm 2; not the experiment's <c>TuneConfig.NumSamples</c>). <value>The default value is 64 (the paper's).</value></summary>
    public int NumSamples { get; init; } = 64;

    /// <summary>ρ: the fraction of proposals drawn uniformly at random even when a model exists, which keeps BOHB's
    /// worst case within a constant factor of HyperBand's (Falkner et al. 2018, section 4).
    /// <value>The default value is 1/3 (the paper's).</value></summary>
    public double RandomFraction { get; init; } = 1.0 / 3;

    /// <summary>b_w: candidates come from l with every bandwidth multiplied by this, to explore around the good
    /// configurations (Falkner et al. 2018, section 4). <value>The default value is 3 (the paper's).</value></summary>
    public double BandwidthFactor { get; init; } = 3;

    /// <summary>The smallest kernel bandwidth, in the [0, 1] scale of every parameter: keeps diversity when all good
    /// observations share a value (Falkner et al. 2018, section 4). <value>The default value is 1e-3 (the paper's).</value></summary>
    public double MinBandwidth { get; init; } = 1e-3;

    /// <summary>N_min: the fewest observations in each of the good and bad sets; a budget is modelled once it has
    /// N_min + 2. Null means d + 1 for d parameters, the paper's choice; smaller values are an error.
    /// <value>The default value is null.</value></summary>
    public int? MinPointsInModel { get; init; }

    /// <summary>How many suggestions so far came from the model rather than at random or from
    /// <see cref="PointsToEvaluate"/> (hpbandster's <c>model_based_pick</c>).</summary>
    public int ModelBasedSuggestions { get; private set; }

    /// <summary>The budget the next model-based proposal would model, or null while no budget has enough observations.</summary>
    internal double? ModelBudget => _settings is null ? null : BohbModel.ModelBudget(_byBudget, _settings.MinPointsInModel);

    internal IReadOnlyDictionary<double, Observations> ObservationsByBudget => _byBudget;

    /// <summary>Connects the scheduler's milestones to this searcher (done by the <see cref="Tuner"/>, before <see cref="Setup"/>).</summary>
    internal void PairWith(HyperBandForBohb scheduler)
    {
        scheduler.Observer = this;
        _warmStartBudget = scheduler.MaxT;
    }

    /// <inheritdoc />
    public void Setup(SearcherSetup setup)
    {
        ValidateOptions();
        MetricTarget target = setup.Target(nameof(BohbSearch), Metric, Mode);
        (_metric, _mode, _required) = (target.Metric, target.Mode, [target.Required]);
        _space = new EncodedSpace(setup.Space, nameof(BohbSearch));
        foreach (EncodedParameter parameter in _space.Parameters)
            if (parameter.IsNormalPrior)
                throw new TuneException($"Search space parameter '{parameter.ConfigPath}' is {parameter.Domain}, which is unbounded; BohbSearch " +
                    $"scales every parameter to [0, 1] over its range (Falkner et al. 2018). Give '{parameter.ConfigPath}' bounds, e.g. Tune.Uniform or Tune.QUniform.");
        int d = _space.Parameters.Count;
        if (MinPointsInModel is { } min && min < d + 1)
            throw new TuneException($"BohbSearch.MinPointsInModel is {min}, but the space has {d} parameters and BOHB needs at least d + 1 = {d + 1} " +
                "points per density (Falkner et al. 2018, section 4). Use null (d + 1) or a larger number.");
        _settings = new BohbSettings(TopNPercent, NumSamples, BandwidthFactor, MinBandwidth, MinPointsInModel ?? d + 1);
        _seed = Seed ?? setup.Seed ?? Random.Shared.Next();
        _byBudget.Clear();
        _trials.Clear();
        _nextPoint = 0;
        _suggested = 0;
        ModelBasedSuggestions = 0;
        EncodedSpace space = _space;
        _points = ObservedSearch.WarmStart(space, PointsToEvaluate, EvaluatedRewards, (flat, i, reward) =>
            Record(_warmStartBudget, space.FillFromPoint(flat, $"BohbSearch.PointsToEvaluate[{i}]", random: null), Loss(reward)));
    }

    private void ValidateOptions()
    {
        static TuneException Bad(string option, object value, string fix) => new($"BohbSearch.{option} is {value}; {fix}");
        if (!(TopNPercent > 0 && TopNPercent < 100))
            throw Bad(nameof(TopNPercent), TopNPercent, "use a percentage between 0 and 100 (exclusive), e.g. 15.");
        if (NumSamples < 1)
            throw Bad(nameof(NumSamples), NumSamples, "draw at least 1 candidate per proposal (64 is the paper's value).");
        if (!(RandomFraction >= 0 && RandomFraction <= 1))
            throw Bad(nameof(RandomFraction), RandomFraction, "use a fraction in [0, 1], e.g. 1/3.");
        if (!(BandwidthFactor > 0) || !double.IsFinite(BandwidthFactor))
            throw Bad(nameof(BandwidthFactor), BandwidthFactor, "use a positive number such as 3.");
        if (!(MinBandwidth > 0) || !double.IsFinite(MinBandwidth))
            throw Bad(nameof(MinBandwidth), MinBandwidth, "use a small positive number such as 1e-3.");
        ObservedSearch.ValidatePoints(nameof(BohbSearch), PointsToEvaluate, EvaluatedRewards);
    }

    /// <inheritdoc />
    public Suggestion Suggest(string trialId)
    {
        if (_space is null || _settings is null)
            throw new InvalidOperationException("Setup must be called before Suggest.");
        // Every suggestion draws from its own stream, so a restored searcher proposes exactly what this one would.
        var random = SplitMix64.Stream(_seed, _suggested++);
        double[] x;
        Dictionary<string, object?>? preset = null;
        if (_nextPoint < _points.Count)
        {
            preset = _points[_nextPoint];
            x = _space.FillFromPoint(preset, $"BohbSearch.PointsToEvaluate[{_nextPoint++}]", random);
        }
        // Falkner et al. 2018, Algorithm 2: a random configuration with probability ρ, or while no budget has N_min + 2
        // observations; otherwise the model of the largest budget that has.
        else if (random.NextDouble() < RandomFraction || ModelBudget is not { } budget)
        {
            x = _space.FillFromPoint(new Dictionary<string, object?>(), "", random);
        }
        else
        {
            x = BohbModel.Propose(_space, _byBudget[budget], _settings, random);
            ModelBasedSuggestions++;
        }
        _trials[trialId] = x;
        return Suggestion.For(_space.BuildConfig(x, preset), _space.SampledPaths);
    }

    /// <summary>The scheduler's word that a trial reached a budget: record its loss there. A result without a usable
    /// metric counts as an infinite loss, a bad configuration (hpbandster's rule for crashed runs).</summary>
    void IBudgetObserver.OnBudgetReached(string trialId, double budget, IReadOnlyDictionary<string, object?> result)
    {
        if (!_trials.TryGetValue(trialId, out double[]? x))
            return; // not suggested by this searcher (e.g. a trial from before a restore with another searcher)
        double loss = ResultFields.TryGetDouble(result, _metric, out double value) && !double.IsNaN(value)
            ? Loss(value)
            : double.PositiveInfinity;
        Record(budget, x, loss);
    }

    /// <summary>Records an observation, as the Tuner's pairing does; tests call it directly.</summary>
    internal void Record(double budget, ReadOnlySpan<double> x, double loss)
    {
        if (!_byBudget.TryGetValue(budget, out Observations? observations))
            _byBudget[budget] = observations = new Observations(_space!.Parameters.Count);
        observations.Add(x, loss);
    }

    /// <inheritdoc />
    public void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error) => _trials.Remove(trialId);

    // The model always minimises: a loss is the metric turned so that lower is better.
    private double Loss(double metric) => double.IsNaN(metric) ? double.PositiveInfinity : -_mode.Sign() * metric;
}
