using System.Text.Json.Nodes;
using TuneSharp.Search;
using TuneSharp.Search.Bohb;
using static TuneSharp.Search.Encoding.StateJson;

namespace TuneSharp.Schedulers;

/// <summary>
/// Synchronous HyperBand for BOHB (Falkner, Klein and Hutter 2018, "BOHB: Robust and efficient hyperparameter
/// optimization at scale", ICML, section 4; Ray Tune's <c>HyperBandForBOHB</c>): <see cref="HyperBandScheduler"/>'s
/// brackets, milestones and halving, with the changes BOHB needs because <see cref="BohbSearch"/> proposes each
/// configuration only when a trial can start, after seeing every loss so far:
/// <list type="bullet">
/// <item>A band fills its most aggressive bracket first (s = s_max, most trials, smallest budget), as BOHB's
/// successive-halving iterations do (Falkner et al. 2018, Algorithm 1; Ray's "largest bracket first").</item>
/// <item>A bracket halves only once it is filled: trials that reach the milestone earlier are paused and free their
/// slot for the bracket's next, model-chosen trial (Ray pauses "even if the bracket is not filled").</item>
/// <item>When no trial is running and none can start (the experiment's NumSamples is reached, or the searcher has
/// nothing to offer) brackets with paused trials halve with what they have, so the run never stalls (Ray's
/// <c>choose_trial_to_run</c>).</item>
/// <item>Each trial's result at each milestone is passed to the paired <see cref="BohbSearch"/> as an observation at
/// that budget (Ray's <c>hyperband_info["budget"]</c>).</item>
/// </list>
/// With another searcher it runs as HyperBand with these changes and nobody to tell the budgets to.
/// </summary>
public sealed class HyperBandForBohb : HyperBandScheduler, ITrialScheduler
{
    // Ray's on_pause/on_unpause calls only serve its ConcurrencyLimiter's count of running trials; TuneSharp's
    // controller asks a model-based searcher only when a slot is free, and paused trials hold none, so none are needed.
    private readonly Dictionary<string, double> _lastBudget = new();
    private IExperimentView? _view;
    private bool _forcing;

    /// <summary>Who hears of milestone results: the <see cref="BohbSearch"/> the Tuner paired this scheduler with.</summary>
    internal IBudgetObserver? Observer { get; set; }

    /// <inheritdoc />
    void ITrialScheduler.Attach(IExperimentView view) => _view = view;

    /// <summary>Bracket s = s_max first: the position counts down from the band's last bracket.</summary>
    private protected override int BracketIndexAt(int position) => BracketsPerBand - 1 - position;

    /// <summary>A bracket takes exactly its n trials, in its first round, as a successive-halving iteration samples n
    /// configurations (Falkner et al. 2018, Algorithm 1). Ray's <c>filled()</c> counts live trials instead, which
    /// with trials created one at a time lets new trials join a bracket whose trials already stopped or finished, and
    /// skip the budgets before its current milestone. A trial that fails is therefore not replaced.</summary>
    private protected override bool MayJoin(HyperBandBracket bracket) =>
        bracket.AllTrials.Count < bracket.N0 && bracket.Halvings == bracket.InitialHalvings;

    /// <summary>Only a bracket new trials may still join waits to be filled; <see cref="Unblock"/> lifts the wait.</summary>
    private protected override bool MayHalve(HyperBandBracket bracket) => _forcing || bracket != Current || !MayJoin(bracket);

    private protected override void OnMilestone(string trialId, double milestone, IReadOnlyDictionary<string, object?> result)
    {
        // Once per trial and milestone: without StopLastTrials a trial keeps reporting past its last milestone.
        if (_lastBudget.TryGetValue(trialId, out double last) && last >= milestone)
            return;
        _lastBudget[trialId] = milestone;
        Observer?.OnBudgetReached(trialId, milestone, result);
    }

    private protected override bool Unblock()
    {
        if (_view is null || _view.RunningCount > 0)
            return false;
        bool any = false;
        _forcing = true;
        try
        {
            foreach (var band in Bands)
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

    private protected override string DisplayName => "HyperBand for BOHB";

    private protected override void SaveExtra(JsonObject state) =>
        state["bohb_budgets"] = new JsonObject(_lastBudget.Select(kv => KeyValuePair.Create(kv.Key, Number(kv.Value))));

    private protected override void RestoreExtra(JsonObject state)
    {
        _lastBudget.Clear();
        if (state["bohb_budgets"] is JsonObject budgets)
            foreach (var (id, value) in budgets)
                _lastBudget[id] = ReadNumber(value);
    }
}
