using System.Text.Json.Nodes;

namespace TuneSharp.Schedulers;

/// <summary>
/// Synchronous HyperBand (Li et al. 2017, "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
/// Optimization", Algorithm 1), as Ray Tune's <c>HyperBandScheduler</c>: trials fill brackets s = 0, 1, …
/// of a band in turn (bracket s holds ⌈s_max+1 / (s+1) · η^s⌉ trials starting at MaxT·η^-s); a trial that
/// reaches its bracket's milestone is paused (freeing its resources) until every trial of the bracket
/// has, then the best 1/η resume from their checkpoints and the rest stop.
/// </summary>
/// <remarks>
/// A bracket takes exactly its n trials, all in its first round, and halves only once it has them (or when nothing
/// else can run). Ray counts live trials instead, which works when random search creates every trial up front but
/// not with a model-based searcher (TPE, GP-BO), which TuneSharp asks for one trial whenever a slot is free: each
/// early trial would find itself alone in its bracket, "win" every halving and run to MaxT, so HyperBand with TPE
/// stopped nothing early.
/// </remarks>
/// <remarks>
/// Milestones are r·η^i capped at <see cref="MaxT"/> and cut to whole units, as in Ray (whose releases before 2.x
/// capped each step at MaxT minus the previous milestone instead, ending the largest bracket at 54 for MaxT 81, η 3).
/// Trials need checkpoints to resume from a pause; without one a trial restarts from scratch.
/// <see cref="HyperBandForBohb"/> derives from it through the private-protected hooks below.
/// </remarks>
public class HyperBandScheduler : ITrialScheduler
{
    private const int StateVersion = 1;
    private readonly List<List<HyperBandBracket>> _bands = [[]];
    private readonly Dictionary<string, HyperBandBracket> _bracketOf = new();
    private readonly HashSet<string> _paused = new();
    private readonly HashSet<string> _ready = new();
    private readonly List<string> _toStop = new();
    private HyperBandBracket? _current;
    private IExperimentView? _view;
    private bool _forcing;
    private string _metric = "";
    private double _sign = 1;
    private int _sMaxPlusOne;
    private int _numStopped;

    /// <summary>The result field that measures progress. <value>The default value is <c>training_iteration</c>.</value></summary>
    public string TimeAttr { get; init; } = ResultFields.TrainingIteration;
    /// <summary>The metric; null takes <c>TuneConfig.Metric</c>. <value>The default value is null.</value></summary>
    public string? Metric { get; init; }
    /// <summary>The direction; null takes <c>TuneConfig.Mode</c>. <value>The default value is null.</value></summary>
    public Mode? Mode { get; init; }
    /// <summary>R: the most time a trial gets. <value>The default value is 81.</value></summary>
    public double MaxT { get; init; } = 81;
    /// <summary>η. <value>The default value is 3.</value></summary>
    public double ReductionFactor { get; init; } = 3;
    /// <summary>Stop trials when their bracket's last round ends. <value>The default value is true.</value></summary>
    public bool StopLastTrials { get; init; } = true;

    internal IReadOnlyList<IReadOnlyList<HyperBandBracket>> Bands => _bands;

    /// <summary>The bracket index s of the <paramref name="position"/>-th bracket of a band: s = position here
    /// (Ray fills s = 0 first); <see cref="HyperBandForBohb"/> reverses the order.</summary>
    private protected virtual int BracketIndexAt(int position) => position;

    internal int BracketIndexOf(int position) => BracketIndexAt(position);

    /// <summary>Whether a new trial may join the current bracket: it takes exactly its n trials, in its first round
    /// (as a successive-halving iteration samples n configurations, Li et al. 2017, Algorithm 1). A trial that fails
    /// is therefore not replaced.</summary>
    private bool MayJoin(HyperBandBracket bracket) =>
        bracket.AllTrials.Count < bracket.N0 && bracket.Halvings == bracket.InitialHalvings;

    /// <summary>Whether a bracket whose live trials all reached the milestone may halve now: once no new trial can
    /// join it (it is full, or the search has ended), or when <see cref="Unblock"/> forces it.</summary>
    private bool MayHalve(HyperBandBracket bracket) =>
        _forcing || bracket != _current || !MayJoin(bracket) || _view?.SearchFinished == true;

    /// <summary>A live trial reported a result at or past its bracket's milestone (before any halving it causes).</summary>
    private protected virtual void OnMilestone(string trialId, double milestone, IReadOnlyDictionary<string, object?> result) { }

    /// <inheritdoc />
    void ITrialScheduler.Attach(IExperimentView view) => _view = view;

    /// <summary>
    /// Called when no tracked trial can run. With nothing running either (the searcher has nothing to offer yet), or
    /// once the search has ended (no trial will come to fill a bracket, so its trials must not wait for the others to
    /// finish while slots stand idle), brackets whose trials wait at a milestone halve with what they have, so the run
    /// never stalls (Ray's <c>choose_trial_to_run</c> does the same). Returns whether anything changed.
    /// </summary>
    private bool Unblock()
    {
        if (_view is null || (_view.RunningCount > 0 && !_view.SearchFinished))
            return false;
        bool any = false;
        _forcing = true;
        try
        {
            foreach (var band in _bands)
                foreach (HyperBandBracket bracket in band)
                    if (bracket.LiveTrials.Any(IsPausedAtMilestone))
                    {
                        ProcessBracket(bracket, current: null);
                        any = true;
                    }
        }
        finally
        {
            _forcing = false;
        }
        return any;
    }

    /// <summary>The name in status lines.</summary>
    private protected virtual string DisplayName => "HyperBand";

    /// <summary>Trials in bracket s of a band: ⌈(s_max+1)/(s+1) · η^s⌉.</summary>
    public int BracketSize(int s) => (int)Math.Ceiling(_sMaxPlusOne / (double)(s + 1) * Math.Pow(ReductionFactor, s));

    /// <summary>The first milestone of bracket s: ⌊MaxT · η^-s⌋.</summary>
    public int BracketStart(int s) => (int)(MaxT * Math.Pow(ReductionFactor, -s));

    /// <summary>Brackets per band: round(log_η MaxT) + 1.</summary>
    public int BracketsPerBand => _sMaxPlusOne;

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys { get; private set; } = [];

    /// <inheritdoc />
    public void Setup(string? metric, Mode? mode, int? seed)
    {
        MetricTarget target = MetricTarget.Resolve(GetType().Name, Metric, Mode, metric, mode);
        (_metric, _sign) = (target.Metric, target.Mode.Sign());
        RequiredResultKeys = [target.Required, new(TimeAttr, $"{GetType().Name}.TimeAttr")];
        if (!(MaxT >= 1)) throw new TuneException($"{GetType().Name}.MaxT is {MaxT}; it must be at least 1.");
        if (!(ReductionFactor > 1)) throw new TuneException($"{GetType().Name}.ReductionFactor is {ReductionFactor}; it must be greater than 1.");
        _sMaxPlusOne = (int)Math.Round(Math.Log(MaxT) / Math.Log(ReductionFactor)) + 1;
    }

    /// <inheritdoc />
    public void OnTrialAdd(TrialInfo trial)
    {
        if (_current is null || !MayJoin(_current))
        {
            // Ray fills the current band's brackets from s = 0 upwards, skipping brackets too short to run.
            do
            {
                if (_bands[^1].Count == _sMaxPlusOne)
                    _bands.Add([]);
                int s = BracketIndexAt(_bands[^1].Count);
                _current = new HyperBandBracket(BracketSize(s), BracketStart(s), MaxT, ReductionFactor, s, StopLastTrials);
                _bands[^1].Add(_current);
            }
            while (_current.Milestone <= 0);
        }
        _current.Add(trial.TrialId);
        _bracketOf[trial.TrialId] = _current;
    }

    /// <inheritdoc />
    public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
    {
        string id = trial.TrialId;
        _paused.Remove(id); // it is running, so whatever paused it is over
        _ready.Remove(id);
        if (!_bracketOf.TryGetValue(id, out HyperBandBracket? bracket) || !bracket.Contains(id)
            || !ResultFields.TryGetDouble(result, TimeAttr, out double time))
            return TrialDecision.Continue;
        double value = ResultFields.TryGetDouble(result, _metric, out double v) && !double.IsNaN(v) ? _sign * v : double.NegativeInfinity;
        bracket.Update(id, time, value);
        if (time >= bracket.Milestone)
            OnMilestone(id, bracket.Milestone, result);
        if (bracket.ShouldContinue(id))
            return TrialDecision.Continue;
        TrialAction action = ProcessBracket(bracket, id);
        if (action == TrialAction.Pause)
            _paused.Add(id);
        return action switch
        {
            TrialAction.Continue => TrialDecision.Continue,
            TrialAction.Stop => TrialDecision.Stop,
            _ => TrialDecision.Pause,
        };
    }

    /// <summary>Called when a trial reached the milestone: pause it, or, when the whole round is done,
    /// halve the bracket (Ray's <c>_process_bracket</c>). Returns the action for <paramref name="current"/>.</summary>
    private TrialAction ProcessBracket(HyperBandBracket bracket, string? current)
    {
        if (!bracket.CurrentRoundDone || !MayHalve(bracket))
            return TrialAction.Pause;
        if (bracket.Finished)
        {
            foreach (string id in bracket.LiveTrials.Where(id => id != current).ToList())
                StopWaiting(bracket, id);
            return TrialAction.Stop;
        }
        var (good, bad) = bracket.Halve();
        _numStopped += bad.Count;
        TrialAction action = TrialAction.Pause;
        foreach (string id in bad)
        {
            if (id == current)
            {
                bracket.Remove(id);
                action = TrialAction.Stop;
            }
            else
                StopWaiting(bracket, id);
        }
        foreach (string id in good)
        {
            if (!bracket.ShouldContinue(id))
                continue;
            if (id == current)
                action = TrialAction.Continue;
            else if (_paused.Contains(id))
                _ready.Add(id);
        }
        return action;
    }

    private void StopWaiting(HyperBandBracket bracket, string id)
    {
        bracket.Remove(id);
        _paused.Remove(id);
        _ready.Remove(id);
        _toStop.Add(id);
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<string, TrialDecision>> TakeDecisions()
    {
        if (_toStop.Count == 0)
            return [];
        var stops = _toStop.Select(id => KeyValuePair.Create(id, TrialDecision.Stop)).ToList();
        _toStop.Clear();
        return stops;
    }

    /// <inheritdoc />
    public void OnTrialComplete(TrialInfo trial, IReadOnlyDictionary<string, object?>? result) => Forget(trial.TrialId);

    /// <inheritdoc />
    public void OnTrialRemove(TrialInfo trial) => Forget(trial.TrialId);

    /// <inheritdoc />
    public void OnTrialError(TrialInfo trial) => Forget(trial.TrialId);

    // A trial that ended on its own no longer holds its bracket back (Ray's on_trial_remove).
    private void Forget(string id)
    {
        _paused.Remove(id);
        _ready.Remove(id);
        if (!_bracketOf.TryGetValue(id, out HyperBandBracket? bracket) || !bracket.Contains(id))
            return;
        bracket.Remove(id);
        if (!bracket.Finished && bracket.LiveTrials.Count > 0)
            ProcessBracket(bracket, null);
    }

    /// <inheritdoc />
    public TrialInfo? ChooseTrialToRun(IReadOnlyList<TrialInfo> waiting)
    {
        var byId = waiting.ToDictionary(t => t.TrialId);
        return ChooseTracked(byId)
            // Trials HyperBand does not track (e.g. retried after a failure) run first come, first served.
            ?? waiting.FirstOrDefault(t => !_bracketOf.ContainsKey(t.TrialId))
            ?? (Unblock() ? ChooseTracked(byId) : null);
    }

    private TrialInfo? ChooseTracked(Dictionary<string, TrialInfo> byId)
    {
        // Fair scheduling: the least complete bracket first, the oldest band first (Ray's choose_trial_to_run).
        foreach (var band in _bands)
            foreach (HyperBandBracket bracket in band.OrderBy(b => b.Completion))
                foreach (string id in bracket.LiveTrials)
                    if (byId.TryGetValue(id, out TrialInfo? trial)
                        && (trial.Status == TrialStatus.Pending && !_paused.Contains(id) || _ready.Contains(id)))
                        return trial;
        return null;
    }

    /// <summary>Whether the trial is paused at a milestone and not yet promoted.</summary>
    private bool IsPausedAtMilestone(string trialId) => _paused.Contains(trialId) && !_ready.Contains(trialId);

    /// <inheritdoc />
    public IReadOnlyList<string> StatusLines()
    {
        var lines = new List<string> { $"Using {DisplayName}: num_stopped={_numStopped} total_brackets={_bands.Sum(b => b.Count)}" };
        for (int i = 0; i < _bands.Count; i++)
        {
            lines.Add($"Round #{i}:");
            lines.AddRange(_bands[i].Select(b => "  " + b.Describe(_paused)));
        }
        return lines;
    }

    /// <inheritdoc />
    public JsonObject SaveState()
    {
        JsonObject state = HyperBandState.Save(StateVersion, _bands, _paused, _ready, _numStopped);
        SaveExtra(state);
        return state;
    }

    /// <summary>Adds a subclass's own fields to the saved state.</summary>
    private protected virtual void SaveExtra(JsonObject state) { }

    /// <summary>Reads back what <see cref="SaveExtra"/> wrote.</summary>
    private protected virtual void RestoreExtra(JsonObject state) { }

    /// <inheritdoc />
    public void RestoreState(JsonObject state)
    {
        int version = state["version"]!.GetValue<int>();
        if (version != StateVersion)
            throw new TuneException($"{GetType().Name} state has version {version}; this TuneSharp reads version {StateVersion}.");
        _bands.Clear();
        _bracketOf.Clear();
        _paused.Clear();
        _ready.Clear();
        HyperBandState.Restore(this, state, _bands, _bracketOf, _paused, _ready);
        _numStopped = state["num_stopped"]!.GetValue<int>();
        if (_bands.Count == 0)
            _bands.Add([]);
        _current = _bands[^1].LastOrDefault();
        RestoreExtra(state);
    }
}
