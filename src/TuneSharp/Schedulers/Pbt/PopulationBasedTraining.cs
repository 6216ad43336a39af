using Microsoft.Extensions.Logging;
using TuneSharp.Search;

namespace TuneSharp.Schedulers;

/// <summary>
/// Population-based training (Jaderberg et al. 2017), as Ray Tune's <c>PopulationBasedTraining</c>: every
/// <see cref="PerturbationInterval"/> a trial in the bottom <see cref="QuantileFraction"/> of the population
/// copies the latest checkpoint of a trial in the top fraction (exploit) and continues from it with a
/// mutated config (explore). <see cref="Synch"/> waits for the whole population at each interval.
/// </summary>
/// <remarks>
/// Ray's known PBT problems are avoided: the source is picked among top-quantile members that have a checkpoint
/// (Ray picks one at random and skips the exploit when it has none); the
/// checkpoints PBT may still copy are kept by retention; a trial that has just exploited has no score until
/// it reports again, so it is not exploited a second time (or copied) on a stale score, which would
/// collapse the population onto one lineage.
/// </remarks>
public sealed partial class PopulationBasedTraining : ITrialScheduler
{
    private readonly Dictionary<string, MemberState> _members = new();
    private readonly List<KeyValuePair<string, TrialDecision>> _decisions = new();
    private readonly Dictionary<string, int> _sources = new(); // checkpoint path → live members offering it
    private Pbt.PbtExplorer _explorer = null!;
    private IExperimentView? _view;
    private Random _random = new();
    private int _seed;
    private string _metric = "";
    private double _sign = 1;
    private double _nextSync;
    private int _numCheckpoints, _numPerturbations;

    /// <summary>The result field that measures progress. <value>The default value is <c>time_total_s</c>.</value></summary>
    public string TimeAttr { get; init; } = ResultFields.TimeTotalS;
    /// <summary>The metric; null takes <c>TuneConfig.Metric</c>. <value>The default value is null.</value></summary>
    public string? Metric { get; init; }
    /// <summary>The direction; null takes <c>TuneConfig.Mode</c>. <value>The default value is null.</value></summary>
    public Mode? Mode { get; init; }
    /// <summary>Exploit and explore every this much <see cref="TimeAttr"/>. <value>The default value is 60.</value></summary>
    public double PerturbationInterval { get; init; } = 60;
    /// <summary>No perturbation before this much <see cref="TimeAttr"/>. <value>The default value is 0.</value></summary>
    public double BurnInPeriod { get; init; }
    /// <summary>Hyperparameters to mutate: search-space primitives (resampled, or scaled by a
    /// <see cref="PerturbationFactors"/> entry), lists of values (moved to a neighbour), <c>Func&lt;object?&gt;</c>
    /// samplers, or nested spaces. <value>The default is none.</value></summary>
    public SearchSpace HyperparamMutations { get; init; } = new();
    /// <summary>The fraction of the population that exploits, and that is copied. <value>The default value is 0.25.</value></summary>
    public double QuantileFraction { get; init; } = 0.25;
    /// <summary>Probability of resampling a value instead of perturbing it. <value>The default value is 0.25.</value></summary>
    public double ResampleProbability { get; init; } = 0.25;
    /// <summary>Factors a numeric value is multiplied by when perturbed. <value>The default is (1.2, 0.8).</value></summary>
    public IReadOnlyList<double> PerturbationFactors { get; init; } = [1.2, 0.8];
    /// <summary>Applied to the config after the built-in mutations. <value>The default value is null.</value></summary>
    public Func<Config, Config>? CustomExploreFn { get; init; }
    /// <summary>Synchronous PBT: perturb only when every trial has reached the interval. <value>The default value is false.</value></summary>
    public bool Synch { get; init; }
    /// <summary>Fail when a result lacks <see cref="TimeAttr"/> or the metric. <value>The default value is true.</value></summary>
    public bool RequireAttrs { get; init; } = true;
    /// <summary>Write <c>pbt_global.txt</c> and <c>pbt_policy_&lt;id&gt;.txt</c>. <value>The default value is true.</value></summary>
    public bool LogConfig { get; init; } = true;
    /// <summary>Where exploit and explore steps are logged. <value>The default value is null.</value></summary>
    public ILogger? Logger { get; init; }

    /// <summary>The scheduler named in errors: <see cref="Pb2"/> runs on a PopulationBasedTraining and names itself.</summary>
    internal string OwnerName { get; init; } = nameof(PopulationBasedTraining);

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys { get; private set; } = [];

    /// <inheritdoc />
    public void Setup(string? metric, Mode? mode, int? seed)
    {
        MetricTarget target = MetricTarget.Resolve(OwnerName, Metric, Mode, metric, mode);
        (_metric, _sign) = (target.Metric, target.Mode.Sign());
        // RequireAttrs = false (Ray's require_attrs) lets results without them through.
        RequiredResultKeys = RequireAttrs ? [target.Required, new(TimeAttr, $"{OwnerName}.TimeAttr")] : [];
        if (HyperparamMutations.Count == 0 && CustomExploreFn is null)
            throw new TuneException($"{OwnerName} needs HyperparamMutations or CustomExploreFn: name the hyperparameters to mutate.");
        if (!(QuantileFraction >= 0 && QuantileFraction <= 0.5))
            throw new TuneException($"{OwnerName}.QuantileFraction is {QuantileFraction}; use a value between 0 and 0.5.");
        if (!(PerturbationInterval > 0))
            throw new TuneException($"{OwnerName}.PerturbationInterval is {PerturbationInterval}; use a positive interval.");
        if (!(ResampleProbability >= 0 && ResampleProbability <= 1))
            throw new TuneException($"{OwnerName}.ResampleProbability is {ResampleProbability}; use a probability in [0, 1].");
        if (PerturbationFactors.Count == 0)
            throw new TuneException($"{OwnerName}.PerturbationFactors is empty; give at least one factor, e.g. [1.2, 0.8].");
        Pbt.PbtExplorer.Validate(HyperparamMutations, OwnerName);
        _explorer = new Pbt.PbtExplorer(HyperparamMutations, ResampleProbability, PerturbationFactors, CustomExploreFn);
        _seed = seed ?? Random.Shared.Next();
        _random = new Random(_seed);
        // The first sync comes no earlier than the burn-in, as Ray's max(interval, burn-in): results before it are not
        // recorded, so a sync target inside the burn-in would pass unnoticed and stall every member behind it.
        _nextSync = Math.Max(PerturbationInterval, BurnInPeriod);
    }

    /// <inheritdoc />
    public void Attach(IExperimentView view) => _view = view;

    /// <inheritdoc />
    public Config CompleteConfig(Config config) => _explorer.Fill(config, _random);

    /// <inheritdoc />
    public void OnTrialAdd(TrialInfo trial) => Member(trial);

    /// <inheritdoc />
    public void OnTrialComplete(TrialInfo trial, IReadOnlyDictionary<string, object?>? result) => Leave(trial);

    /// <inheritdoc />
    public void OnTrialRemove(TrialInfo trial) => Leave(trial);

    /// <inheritdoc />
    public void OnTrialError(TrialInfo trial) => Leave(trial);

    /// <summary>A member ended. In synchronous mode the others may all be waiting at the sync point for it alone:
    /// then the sync runs now (Ray waits forever here, ray#12122).</summary>
    private void Leave(TrialInfo trial)
    {
        MemberState member = Member(trial);
        SetSource(member, null);
        member.Finished = true;
        SyncIfAllWaiting();
    }

    /// <inheritdoc />
    public bool NeedsCheckpoint(string path) => _sources.ContainsKey(path);

    /// <summary>Sets the checkpoint a live member offers, keeping count of the members that offer each path:
    /// retention asks about every checkpoint of every trial, too often to scan the population each time.</summary>
    private void SetSource(MemberState member, string? path)
    {
        if (member.LastCheckpoint == path)
            return;
        if (member.LastCheckpoint is { } old && !member.Finished && --_sources[old] == 0)
            _sources.Remove(old);
        member.LastCheckpoint = path;
        if (path is not null && !member.Finished)
            _sources[path] = _sources.GetValueOrDefault(path) + 1;
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<string, TrialDecision>> TakeDecisions()
    {
        if (_decisions.Count == 0)
            return [];
        var decisions = _decisions.ToList();
        _decisions.Clear();
        return decisions;
    }

    /// <summary>Ray's fair share: the waiting trial that has trained least goes first.</summary>
    public TrialInfo? ChooseTrialToRun(IReadOnlyList<TrialInfo> waiting)
    {
        // A waiting member has no run, so a save it awaits will not come (it failed and is retried, or the experiment
        // was resumed): its latest checkpoint is what it has.
        if (_members.Values.Any(m => m.AwaitingSave))
            foreach (TrialInfo trial in waiting)
                if (Member(trial) is { AwaitingSave: true } member)
                {
                    member.AwaitingSave = false;
                    if (Synch)
                        member.PendingCheckpoint = trial.LatestCheckpoint;
                }
        // Synchronous members that all wait at the sync point (e.g. after a resume) sync now.
        SyncIfAllWaiting();
        return waiting.Where(t => !Synch || Member(t).LastTrainTime < _nextSync)
            .OrderBy(t => Member(t).LastTrainTime).ThenBy(t => t.Index).FirstOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> StatusLines() =>
        [$"PopulationBasedTraining: {_numCheckpoints} checkpoints, {_numPerturbations} perturbs"];

    private MemberState Member(TrialInfo trial)
    {
        if (!_members.TryGetValue(trial.TrialId, out MemberState? member))
            _members[trial.TrialId] = member = new MemberState(trial.TrialId);
        member.Name = trial.TrialName;
        member.Config = trial.Config;
        member.Iteration = trial.Iteration;
        return member;
    }

    /// <summary>What PBT remembers of one member of the population.</summary>
    internal sealed class MemberState(string trialId)
    {
        public string TrialId { get; } = trialId;
        public string Name { get; set; } = trialId;
        public Config Config { get; set; } = Config.Empty;
        public long Iteration { get; set; }
        public double? LastScore { get; set; }
        public string? LastCheckpoint { get; set; }
        public string? PendingCheckpoint { get; set; }
        public double LastPerturbationTime { get; set; }
        public double LastTrainTime { get; set; }
        public bool Finished { get; set; }
        /// <summary>A save of this member's state was asked for (or comes with its pause) and has not arrived yet.</summary>
        public bool AwaitingSave { get; set; }
        /// <summary>Writes the policy-log lines of the exploit decided for this member, once its copy has come in.</summary>
        public Action? PendingLog { get; set; }
    }
}
