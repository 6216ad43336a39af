using TuneSharp.Search.Encoding;
using TuneSharp.Search.Tpe;

namespace TuneSharp.Search;

/// <summary>
/// Tree-structured Parzen estimator search (Ray Tune's <c>HyperOptSearch</c>, Optuna's <c>TPESampler</c>;
/// Bergstra et al. 2011, "Algorithms for hyper-parameter optimization"; the defaults follow Watanabe 2023,
/// "Tree-structured Parzen estimator: understanding its algorithm components and their roles for better
/// empirical performance", checked on the search benchmark, see docs/benchmarks-search.md).
/// Models every float, log float, quantised, integer and categorical parameter, also inside chosen nested
/// spaces; <see cref="Tune.SampleFrom"/> values are computed after sampling and constants are copied.
/// <see cref="Tune.Randn"/> is modelled with its normal as the prior and untruncated kernels (hyperopt's
/// <c>hp.normal</c>). Each trial counts with its last reported metric; errored trials are ignored.
/// </summary>
public sealed partial class TpeSearch : ISearcher
{
    private readonly ObservedSearch _search = new(nameof(TpeSearch));

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys => _search.Required;
    private TpeSampler? _sampler;

    /// <summary>The metric to optimise; null takes the experiment's (<see cref="TuneConfig.Metric"/>).
    /// <value>The default value is null.</value></summary>
    public string? Metric { get; init; }

    /// <summary>The direction; null takes the experiment's. <value>The default value is null.</value></summary>
    public Mode? Mode { get; init; }

    /// <summary>Trials sampled at random before the model is used (Optuna's <c>n_startup_trials</c>, Ray's
    /// <c>n_initial_points</c>). <value>The default value is 10.</value></summary>
    public int NStartupTrials { get; init; } = 10;

    /// <summary>Candidates drawn from the good estimator per suggestion (<c>n_ei_candidates</c>); more exploits harder.
    /// <value>The default value is 24.</value></summary>
    public int NEiCandidates { get; init; } = 24;

    /// <summary>The quantile γ that splits good from bad observations, see <see cref="Split"/> (Optuna uses 0.1;
    /// 0.15 did better on the search suite). <value>The default value is 0.15.</value></summary>
    public double Gamma { get; init; } = 0.15;

    /// <summary>How the good group's size grows with the observations. <value>The default value is <see cref="TpeSplit.Linear"/>.</value></summary>
    public TpeSplit Split { get; init; } = TpeSplit.Linear;

    /// <summary>The largest good group (Optuna and hyperopt cap it at 25). <value>The default value is 25.</value></summary>
    public int MaxBelow { get; init; } = 25;

    /// <summary>How observations are weighted in the estimators. <value>The default value is <see cref="TpeWeighting.OlderSmaller"/>.</value></summary>
    public TpeWeighting Weighting { get; init; } = TpeWeighting.OlderSmaller;

    /// <summary>The weight of the prior kernel relative to one observation; 0 leaves the prior out
    /// (Optuna's <c>consider_prior=False</c>). <value>The default value is 1.0.</value></summary>
    public double PriorWeight { get; init; } = 1.0;

    /// <summary>Model the always-active parameters jointly (Optuna's <c>multivariate=True</c>) instead of one
    /// by one. <value>The default value is true.</value></summary>
    public bool Multivariate { get; init; } = true;

    /// <summary>Keep kernels at least range / min(100, kernels) wide (hyperopt's and Optuna's <c>consider_magic_clip</c>);
    /// without it kernels are at least 0.01 × range wide (Watanabe 2023). Null turns it on in univariate mode, where the
    /// neighbour-distance widths need it, and off in multivariate mode, where it made the good group's estimator too
    /// wide on the search suite. <value>The default value is null.</value></summary>
    public bool? MagicClip { get; init; }

    /// <summary>Univariate mode: let the range's ends widen the outermost kernels (<c>consider_endpoints</c>).
    /// <value>The default value is false.</value></summary>
    public bool ConsiderEndpoints { get; init; }

    /// <summary>Multivariate mode: the kernel width is this × n^(-1/(d+4)) × range (Scott's rule; Optuna uses 0.2,
    /// which explored too much on the search suite). <value>The default value is 0.05.</value></summary>
    public double BandwidthFactor { get; init; } = 0.05;

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
        ObservedSearch.ValidatePoints(nameof(TpeSearch), PointsToEvaluate, EvaluatedRewards);
        _search.Setup(setup, Metric, Mode, Seed, PointsToEvaluate, EvaluatedRewards);
        _sampler = new TpeSampler(_search.Space, Settings);
    }

    internal TpeSettings Settings => new(Multivariate, Gamma, Split, MaxBelow, Weighting, PriorWeight,
        MagicClip ?? !Multivariate, ConsiderEndpoints, NEiCandidates, BandwidthFactor);

    private void ValidateOptions()
    {
        static TuneException Bad(string option, object value, string fix) => new($"TpeSearch.{option} is {value}; {fix}");
        if (NStartupTrials < 0)
            throw Bad(nameof(NStartupTrials), NStartupTrials, "use 0 or more random trials before the model is used.");
        if (NEiCandidates < 1)
            throw Bad(nameof(NEiCandidates), NEiCandidates, "use at least 1 candidate (24 is the usual value).");
        if (!(Gamma > 0) || (Split == TpeSplit.Linear && Gamma > 1) || !double.IsFinite(Gamma))
            throw Bad(nameof(Gamma), Gamma, Split == TpeSplit.Linear ? "use a fraction in (0, 1], e.g. 0.1." : "use a positive number, e.g. 0.25.");
        if (MaxBelow < 1)
            throw Bad(nameof(MaxBelow), MaxBelow, "use at least 1 (25 is the usual cap).");
        if (!(PriorWeight >= 0) || !double.IsFinite(PriorWeight))
            throw Bad(nameof(PriorWeight), PriorWeight, "use 0 (no prior) or a positive number such as 1.0.");
        if (!(BandwidthFactor > 0) || !double.IsFinite(BandwidthFactor))
            throw Bad(nameof(BandwidthFactor), BandwidthFactor, "use a positive number such as 0.2.");
    }

    /// <inheritdoc />
    public Suggestion Suggest(string trialId)
    {
        if (_sampler is null)
            throw new InvalidOperationException("Setup must be called before Suggest.");
        SplitMix64 random = _search.NextStream();
        if (_search.NextPoint(random) is var (point, preset))
            return _search.Hand(trialId, point, preset);
        // Random start-up until the estimators have something to fit (Bergstra et al. 2011, section 4; Watanabe
        // 2023's experiments also start from 10 random trials); completed trials count, running ones do not.
        if (_search.Observations.Count < Math.Max(NStartupTrials, 1))
            return _search.Hand(trialId, _search.SamplePrior(random), null);
        var x = new double[_search.Space.Parameters.Count];
        _sampler.Suggest(_search.Observations, random, x);
        return _search.Hand(trialId, x, null);
    }

    /// <inheritdoc />
    public void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error) =>
        _search.Complete(trialId, result, error);
}
