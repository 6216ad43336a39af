using TuneSharp.Search.BayesOpt;
using TuneSharp.Search.Encoding;

namespace TuneSharp.Search;

/// <summary>
/// Gaussian-process Bayesian optimisation (Ray Tune's <c>BayesOptSearch</c>; Snoek, Larochelle and Adams 2012,
/// "Practical Bayesian optimization of machine learning algorithms"): an ARD Matérn 5/2 GP whose hyperparameters are
/// fitted by marginal likelihood on every suggestion, and log expected improvement maximised by multi-start search.
/// Inputs are normalised to [0, 1] with log domains warped to their logarithm; integers and quantised values are
/// snapped, categoricals one-hot encoded (Ray's BayesOptSearch handles neither); running trials are kriging believers,
/// so parallel trials get different suggestions. Exact GPs cost O(n³): beyond <see cref="MaxObservations"/> trials the
/// model keeps the better half and the most recent (see docs/benchmarks.md for the cost).
/// </summary>
public sealed partial class BayesOptSearch : ISearcher
{
    private EncodedSpace? _space;
    private GpFeatures? _features;
    private GpModel? _model;
    private Observations _observations = new(0);
    private List<Dictionary<string, object?>> _points = [];
    private int _nextPoint;
    private int _suggested;
    private int _seed;
    private string _metric = "";
    private Mode _mode;

    /// <summary>The metric to optimise; null takes the experiment's. <value>The default value is null.</value></summary>
    public string? Metric { get; init; }

    /// <summary>The direction; null takes the experiment's. <value>The default value is null.</value></summary>
    public Mode? Mode { get; init; }

    /// <summary>Trials drawn at random before the GP is used (Ray's <c>random_search_steps</c>).
    /// <value>The default value is 10.</value></summary>
    public int RandomSearchSteps { get; init; } = 10;

    /// <summary>The margin ξ by which a point must be expected to beat the best loss, in standard deviations of the
    /// observed losses; larger explores more (Ray's <c>xi</c>). <value>The default value is 0.</value></summary>
    public double Xi { get; init; }

    /// <summary>Random points scored per suggestion before the best are refined by gradient search.
    /// <value>The default value is 512.</value></summary>
    public int RandomCandidates { get; init; } = 512;

    /// <summary>How many of the best-scored points are refined by gradient search. <value>The default value is 5.</value></summary>
    public int LocalStarts { get; init; } = 5;

    /// <summary>The most completed trials the GP is fitted on. <value>The default value is 300.</value></summary>
    public int MaxObservations { get; init; } = 300;

    /// <summary>Seed of the searcher's random draws; null takes the experiment's seed, or a random one.
    /// <value>The default value is null.</value></summary>
    public int? Seed { get; init; }

    /// <summary>Configs to try first (Ray's <c>points_to_evaluate</c>), nested or with '/'-joined paths; parameters a
    /// point leaves out are sampled. <value>The default is none.</value></summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> PointsToEvaluate { get; init; } = [];

    /// <summary>The metric already measured for each of <see cref="PointsToEvaluate"/> (Ray's <c>evaluated_rewards</c>):
    /// those points then warm-start the model and are not run again. <value>The default is none.</value></summary>
    public IReadOnlyList<double> EvaluatedRewards { get; init; } = [];

    /// <inheritdoc />
    public void Setup(SearcherSetup setup)
    {
        ValidateOptions();
        _metric = Metric ?? setup.Metric ?? throw new TuneException(
            "BayesOptSearch needs a metric to optimise: set TuneConfig.Metric and TuneConfig.Mode, or BayesOptSearch.Metric and BayesOptSearch.Mode.");
        _mode = Mode ?? setup.Mode ?? throw new TuneException(
            $"BayesOptSearch optimises '{_metric}' but no mode is set: set TuneConfig.Mode or BayesOptSearch.Mode to Mode.Min or Mode.Max.");
        _space = new EncodedSpace(setup.Space, nameof(BayesOptSearch));
        _features = new GpFeatures(_space);
        _model = new GpModel(_features, MaxObservations);
        _seed = Seed ?? setup.Seed ?? Random.Shared.Next();
        _observations = new Observations(_space.Parameters.Count);
        _points = [];
        _nextPoint = 0;
        _suggested = 0;
        for (int i = 0; i < PointsToEvaluate.Count; i++)
        {
            var flat = SpaceWalker.FlattenPreset(PointsToEvaluate[i]);
            _space.Encode(flat, i); // throws now, before any trial runs, for a value outside its domain
            if (EvaluatedRewards.Count == 0)
                _points.Add(flat);
            else
                _observations.Add(_space.FillFromPoint(flat, $"BayesOptSearch.PointsToEvaluate[{i}]", random: null), Loss(EvaluatedRewards[i]));
        }
    }

    private void ValidateOptions()
    {
        static TuneException Bad(string option, object value, string fix) => new($"BayesOptSearch.{option} is {value}; {fix}");
        if (RandomSearchSteps < 0)
            throw Bad(nameof(RandomSearchSteps), RandomSearchSteps, "use 0 or more random trials before the GP is used (10 is usual).");
        if (!(Xi >= 0) || !double.IsFinite(Xi))
            throw Bad(nameof(Xi), Xi, "use 0 or a small positive margin such as 0.01.");
        if (RandomCandidates < 1)
            throw Bad(nameof(RandomCandidates), RandomCandidates, "use at least 1 (512 is the default).");
        if (LocalStarts < 0)
            throw Bad(nameof(LocalStarts), LocalStarts, "use 0 (no gradient refinement) or more.");
        if (MaxObservations < 2)
            throw Bad(nameof(MaxObservations), MaxObservations, "use at least 2; a few hundred keeps each suggestion well under a second.");
        if (EvaluatedRewards.Count > 0 && EvaluatedRewards.Count != PointsToEvaluate.Count)
            throw Bad(nameof(EvaluatedRewards), $"a list of {EvaluatedRewards.Count}", $"give one reward per point to evaluate ({PointsToEvaluate.Count}), or none.");
        foreach (double reward in EvaluatedRewards)
            if (double.IsNaN(reward))
                throw Bad(nameof(EvaluatedRewards), "a list holding NaN", "give a measured number for every point.");
    }

    /// <inheritdoc />
    public Suggestion Suggest(string trialId)
    {
        if (_space is null || _features is null || _model is null)
            throw new InvalidOperationException("Setup must be called before Suggest.");
        var random = SplitMix64.Stream(_seed, _suggested++);
        double[] x;
        Dictionary<string, object?>? preset = null;
        if (_nextPoint < _points.Count)
        {
            preset = _points[_nextPoint];
            x = _space.FillFromPoint(preset, $"BayesOptSearch.PointsToEvaluate[{_nextPoint++}]", random);
        }
        // Random start-up until the GP has something to fit; completed trials count, running ones do not.
        else if (_observations.Count < Math.Max(RandomSearchSteps, 2) || _space.Parameters.Count == 0)
        {
            x = _space.FillFromPoint(new Dictionary<string, object?>(), "", random);
        }
        else
        {
            var (gp, best) = _model.Build(_observations);
            var search = new AcquisitionSearch(_features, gp, best, Xi);
            x = search.Maximise(Anchors(), TakenPoints(), RandomCandidates, LocalStarts, random);
        }
        _observations.AddRunning(trialId, x);
        return Suggestion.For(_space.BuildConfig(x, preset), _space.SampledPaths);
    }

    // The five best completed trials: the acquisition's optimum is usually near one of them.
    private List<double[]> Anchors()
    {
        var anchors = new List<double[]>();
        foreach (int row in _observations.ByLoss[..Math.Min(5, _observations.Count)])
            anchors.Add(_observations.Row(row).ToArray());
        return anchors;
    }

    private HashSet<string> TakenPoints()
    {
        var taken = new HashSet<string>();
        for (int row = 0; row < _observations.Count; row++)
            taken.Add(AcquisitionSearch.Key(_observations.Row(row)));
        foreach (var (_, x) in _observations.Running)
            taken.Add(AcquisitionSearch.Key(x));
        return taken;
    }

    /// <inheritdoc />
    public void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error)
    {
        double[]? x = _observations.TakeRunning(trialId);
        if (x is null || error || result is null || !result.TryGetValue(_metric, out object? raw))
            return;
        double value = raw switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            decimal m => (double)m,
            _ => double.NaN, // no usable number: the trial tells the model nothing
        };
        if (!double.IsNaN(value))
            _observations.Add(x, Loss(value));
    }

    // The model always minimises.
    private double Loss(double metric) => -_mode.Sign() * metric;
}
