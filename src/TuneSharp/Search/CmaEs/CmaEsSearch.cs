using TuneSharp.Search.CmaEs;
using TuneSharp.Search.Encoding;

namespace TuneSharp.Search;

/// <summary>
/// CMA-ES, the covariance matrix adaptation evolution strategy (Optuna's <c>CmaEsSampler</c>; Hansen 2016,
/// "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772), for spaces of float, log float, quantised and
/// integer parameters. It searches the unit cube spanned by each parameter's (log-warped) bounds; grid parameters
/// are searched continuously and snapped when a config is built. Categorical parameters (<see cref="Tune.Choice"/>,
/// nested spaces) and <see cref="Tune.Randn"/> are rejected in <see cref="Setup"/>: use <see cref="TpeSearch"/> for them.
/// <para>
/// Asynchronous use: every <see cref="Suggest"/> draws a new candidate from the current distribution, so the
/// searcher never waits. The first λ candidates of the current distribution to complete with a metric form the
/// generation that updates it; errored or metric-less trials are dropped (the next candidates replace them) and
/// candidates of an older distribution that complete after its update are dropped too, since the update equations
/// hold only for samples of the distribution being updated. Each trial counts with its last reported metric.
/// </para>
/// </summary>
public sealed partial class CmaEsSearch : ISearcher
{
    private EncodedSpace? _space;
    private UnitCube? _cube;
    private CmaDistribution? _distribution;
    private List<Dictionary<string, object?>> _points = [];
    private int _nextPoint;
    private readonly Dictionary<string, double[]> _pointsRunning = [];
    private readonly Dictionary<string, (double[] U, int Generation)> _running = [];
    private readonly List<(double[] X, double Loss)> _told = [];
    private (double[] U, double Loss)? _warmBest;
    private double[]? _x0;
    private int _generationId;
    private int _handedOut; // candidates handed out from the current distribution
    private double[] _lastZ = []; // the standard normal vector of the last candidate, for its mirror
    private int _suggested;
    private int _seed;
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

    /// <summary>The initial step size σ₀ as a fraction of every parameter's range (the search runs in the unit cube);
    /// null takes 1/6, Optuna's default, so that ±3σ₀ spans the range. <value>The default value is null.</value></summary>
    public double? Sigma0 { get; init; }

    /// <summary>λ, the candidates per generation; null takes 4 + ⌊3 ln n⌋ for n parameters (Hansen 2016, eq. 48).
    /// Larger populations search multimodal functions more globally, at the cost of slower convergence.
    /// <value>The default value is null.</value></summary>
    public int? PopulationSize { get; init; }

    /// <summary>Mirrored sampling (Brockhoff, Auger, Hansen, Arnold and Hohm 2010, "Mirrored sampling and sequential
    /// selection for evolution strategies", PPSN): every second candidate is the previous one reflected through the mean.
    /// It converged faster on every function of the search benchmark suite at 100 and 200 trials. Under weighted
    /// recombination it makes the step size shrink slightly faster than plain sampling would (a mirrored pair that is
    /// selected cancels in the mean, Auger et al. 2011), which favours small budgets over thorough global search.
    /// <value>The default value is true.</value></summary>
    public bool MirroredSampling { get; init; } = true;

    /// <summary>The initial mean, nested or with '/'-joined paths; parameters it leaves out start at the middle of
    /// their range. Null starts at the best warm-start point if there is one, else at the middle of the space.
    /// <value>The default value is null.</value></summary>
    public IReadOnlyDictionary<string, object?>? X0 { get; init; }

    /// <summary>Configs to try first (Ray's <c>points_to_evaluate</c>), nested or with '/'-joined paths; parameters a
    /// point leaves out are sampled uniformly. The first generation starts once they have completed, at the best of
    /// them (unless <see cref="X0"/> is set). <value>The default is none.</value></summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> PointsToEvaluate { get; init; } = [];

    /// <summary>The metric already measured for each of <see cref="PointsToEvaluate"/> (Ray's <c>evaluated_rewards</c>):
    /// those points are not run again, and the search starts at the best of them (unless <see cref="X0"/> is set).
    /// <value>The default is none.</value></summary>
    public IReadOnlyList<double> EvaluatedRewards { get; init; } = [];

    /// <inheritdoc />
    public void Setup(SearcherSetup setup)
    {
        ValidateOptions();
        MetricTarget target = setup.Target(nameof(CmaEsSearch), Metric, Mode);
        (_metric, _mode, _required) = (target.Metric, target.Mode, [target.Required]);
        _space = new EncodedSpace(setup.Space, nameof(CmaEsSearch));
        ValidateSpace(_space);
        _cube = new UnitCube(_space);
        _seed = Seed ?? setup.Seed ?? Random.Shared.Next();
        _distribution = null;
        _nextPoint = 0;
        _pointsRunning.Clear();
        _running.Clear();
        _told.Clear();
        _warmBest = null;
        _generationId = 0;
        _handedOut = 0;
        _lastZ = new double[_cube.Dimension];
        _suggested = 0;
        if (X0 is not null)
            _space.CheckPointKeys(_space.FlattenPoint(X0), "CmaEsSearch.X0");
        _x0 = X0 is null ? null : Encode(_space.FlattenPoint(X0), "CmaEsSearch.X0", random: null, fallbackToMiddle: true);
        _points = ObservedSearch.WarmStart(_space, PointsToEvaluate, EvaluatedRewards, (flat, i, reward) =>
            Observe(Encode(flat, $"CmaEsSearch.PointsToEvaluate[{i}]", random: null, fallbackToMiddle: false), Loss(reward)));
    }

    /// <inheritdoc />
    public Suggestion Suggest(string trialId)
    {
        if (_cube is null)
            throw new InvalidOperationException("Setup must be called before Suggest.");
        if (_nextPoint < _points.Count)
        {
            var preset = _points[_nextPoint];
            double[] u = Encode(preset, $"CmaEsSearch.PointsToEvaluate[{_nextPoint}]", SplitMix64.Stream(_seed, _suggested++), fallbackToMiddle: false);
            _nextPoint++;
            _pointsRunning[trialId] = u;
            return Suggestion.For(_cube.BuildConfig(u, preset), _cube.Space.SampledPaths);
        }
        if (_distribution is null)
        {
            // The start depends on the points' results: wait for them rather than start from a guess.
            if (_pointsRunning.Count > 0)
                return Suggestion.NotReady;
            _distribution = Start();
        }
        var x = new double[_cube.Dimension];
        // Mirrored sampling (Brockhoff et al. 2010): every second candidate of a generation is the previous one
        // reflected through the mean, m - σBDz, which halves the sampling noise of the mean's step.
        bool mirror = MirroredSampling && _handedOut % 2 == 1;
        _distribution.Sample(SplitMix64.Stream(_seed, _suggested++), ResampleAttempts, x, _lastZ, mirror);
        _handedOut++;
        _running[trialId] = (x, _generationId);
        return Suggestion.For(_cube.BuildConfig(x), _cube.Space.SampledPaths);
    }

    /// <inheritdoc />
    public void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error)
    {
        double loss = error ? double.NaN : Loss(MetricOf(result));
        if (_pointsRunning.Remove(trialId, out double[]? point))
        {
            if (!double.IsNaN(loss))
                Observe(point, loss);
            return;
        }
        if (!_running.Remove(trialId, out var candidate) || double.IsNaN(loss) || candidate.Generation != _generationId)
            return;
        _told.Add((candidate.U, loss));
        if (_told.Count < _distribution!.Constants.Population)
            return;
        _distribution.Update(_told, _cube!.MinStd(_distribution.Mean, _distribution.Constants.Population));
        _told.Clear();
        _generationId++;
        _handedOut = 0;
    }

    private int Population => PopulationSize ?? DefaultPopulation(_cube!.Dimension);

    // Hansen 2016, eq. (48).
    private static int DefaultPopulation(int n) => 4 + (int)Math.Floor(3 * Math.Log(n));

    // Optuna passes 10n attempts to the cmaes library; a few suffice while the mean is inside the cube.
    private int ResampleAttempts => Math.Max(10, 10 * _cube!.Dimension);

    private CmaDistribution Start()
    {
        double[] mean = (double[]?)_x0?.Clone() ?? (double[]?)_warmBest?.U.Clone() ?? Enumerable.Repeat(0.5, _cube!.Dimension).ToArray();
        return new CmaDistribution(new CmaConstants(_cube!.Dimension, Population), mean, Sigma0 ?? 1.0 / 6);
    }

    // Warm start keeps only the best observation: the start needs nothing else, and it costs O(1) per point.
    private void Observe(double[] u, double loss)
    {
        if (_warmBest is null || loss < _warmBest.Value.Loss)
            _warmBest = (u, loss);
    }

    // A user-given point as a cube vector: a missing value is drawn uniformly (a point to evaluate), set to the
    // middle (X0), or an error (a warm-start point, which must be complete to be an observation).
    private double[] Encode(IReadOnlyDictionary<string, object?> flat, string where, SplitMix64? random, bool fallbackToMiddle)
    {
        var u = new double[_cube!.Dimension];
        for (int p = 0; p < u.Length; p++)
        {
            EncodedParameter parameter = _space!.Parameters[p];
            if (flat.TryGetValue(parameter.ConfigPath, out object? value))
                u[p] = _cube.ToCube(p, EncodedParameterFactory.Encode(parameter, value, where));
            else if (fallbackToMiddle)
                u[p] = 0.5;
            else
                u[p] = random is not null ? _cube.ToCube(p, parameter.SamplePrior(random)) : throw new TuneException(
                    $"{where} has no value for '{parameter.ConfigPath}', but EvaluatedRewards needs complete points. Add '{parameter.ConfigPath}' to the point.");
        }
        return u;
    }

    // NaN when the result has no usable number: the trial tells the model nothing.
    private double MetricOf(IReadOnlyDictionary<string, object?>? result) =>
        result is not null && ResultFields.TryGetDouble(result, _metric, out double value) ? value : double.NaN;

    // The model always minimises (ASHA's habit of turning the mode into a sign once).
    private double Loss(double metric) => -_mode.Sign() * metric;
}
