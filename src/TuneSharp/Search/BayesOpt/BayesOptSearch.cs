using TuneSharp.Search.BayesOpt;
using TuneSharp.Search.Encoding;

namespace TuneSharp.Search;

/// <summary>
/// Gaussian-process Bayesian optimisation (Ray Tune's <c>BayesOptSearch</c>; Snoek, Larochelle and Adams 2012,
/// "Practical Bayesian optimization of machine learning algorithms"): an ARD Matérn 5/2 GP whose hyperparameters are
/// fitted by marginal likelihood (on every suggestion below 50 completed trials, then whenever the data have grown by a
/// tenth), and log expected improvement maximised by multi-start search.
/// Inputs are normalised to [0, 1] with log domains warped to their logarithm; integers and quantised values are
/// snapped, categoricals one-hot encoded (Ray's BayesOptSearch handles neither); running trials are kriging believers,
/// so parallel trials get different suggestions. Exact GPs cost O(n³): beyond <see cref="MaxObservations"/> trials the
/// model keeps the better half and the most recent (see docs/benchmarks.md for the cost).
/// </summary>
public sealed partial class BayesOptSearch : ISearcher
{
    private readonly ObservedSearch _search = new(nameof(BayesOptSearch));

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys => _search.Required;
    private GpFeatures? _features;
    private GpModel? _model;

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
        ObservedSearch.ValidatePoints(nameof(BayesOptSearch), PointsToEvaluate, EvaluatedRewards);
        _search.Setup(setup, Metric, Mode, Seed, PointsToEvaluate, EvaluatedRewards);
        _features = new GpFeatures(_search.Space);
        _model = new GpModel(_features, MaxObservations);
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
    }

    /// <inheritdoc />
    public Suggestion Suggest(string trialId)
    {
        if (_features is null || _model is null)
            throw new InvalidOperationException("Setup must be called before Suggest.");
        SplitMix64 random = _search.NextStream();
        if (_search.NextPoint(random) is var (point, preset))
            return _search.Hand(trialId, point, preset);
        // Random start-up until the GP has something to fit; completed trials count, running ones do not.
        Observations observations = _search.Observations;
        if (observations.Count < Math.Max(RandomSearchSteps, 2) || _features.Count == 0)
            return _search.Hand(trialId, _search.SamplePrior(random), null);
        var (gp, best) = _model.Build(observations);
        var search = new AcquisitionSearch(_features, gp, best, Xi);
        return _search.Hand(trialId, search.Maximise(Anchors(observations), TakenPoints(observations), RandomCandidates, LocalStarts, random), null);
    }

    // The five best completed trials: the acquisition's optimum is usually near one of them.
    private static List<double[]> Anchors(Observations observations)
    {
        var anchors = new List<double[]>();
        foreach (int row in observations.ByLoss[..Math.Min(5, observations.Count)])
            anchors.Add(observations.Row(row).ToArray());
        return anchors;
    }

    private static HashSet<string> TakenPoints(Observations observations)
    {
        var taken = new HashSet<string>();
        for (int row = 0; row < observations.Count; row++)
            taken.Add(AcquisitionSearch.Key(observations.Row(row)));
        foreach (var (_, x) in observations.Running)
            taken.Add(AcquisitionSearch.Key(x));
        return taken;
    }

    /// <inheritdoc />
    public void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error) =>
        _search.Complete(trialId, result, error);
}
