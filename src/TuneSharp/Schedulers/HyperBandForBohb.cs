using System.Text.Json.Nodes;
using TuneSharp.Search;
using TuneSharp.Search.Bohb;
using static TuneSharp.Search.Encoding.StateJson;

namespace TuneSharp.Schedulers;

/// <summary>
/// Synchronous HyperBand for BOHB (Falkner, Klein and Hutter 2018, "BOHB: Robust and efficient hyperparameter
/// optimization at scale", ICML, section 4; Ray Tune's <c>HyperBandForBOHB</c>): <see cref="HyperBandScheduler"/>'s
/// brackets, milestones and halving (including waiting for a bracket to fill, which a searcher that proposes one
/// configuration at a time needs), with two changes for <see cref="BohbSearch"/>:
/// <list type="bullet">
/// <item>A band fills its most aggressive bracket first (s = s_max, most trials, smallest budget), as BOHB's
/// successive-halving iterations do (Falkner et al. 2018, Algorithm 1; Ray's "largest bracket first").</item>
/// <item>Each trial's result at each milestone is passed to the paired <see cref="BohbSearch"/> as an observation at
/// that budget (Ray's <c>hyperband_info["budget"]</c>).</item>
/// </list>
/// With another searcher it runs as HyperBand with that bracket order and nobody to tell the budgets to.
/// </summary>
public sealed class HyperBandForBohb : HyperBandScheduler
{
    // Ray's on_pause/on_unpause calls only serve its ConcurrencyLimiter's count of running trials; TuneSharp's
    // controller asks a model-based searcher only when a slot is free, and paused trials hold none, so none are needed.
    private readonly Dictionary<string, double> _lastBudget = new();

    /// <summary>Who hears of milestone results: the <see cref="BohbSearch"/> the Tuner paired this scheduler with.</summary>
    internal IBudgetObserver? Observer { get; set; }

    /// <summary>Bracket s = s_max first: the position counts down from the band's last bracket.</summary>
    private protected override int BracketIndexAt(int position) => BracketsPerBand - 1 - position;

    private protected override void OnMilestone(string trialId, double milestone, IReadOnlyDictionary<string, object?> result)
    {
        // Once per trial and milestone: without StopLastTrials a trial keeps reporting past its last milestone.
        if (_lastBudget.TryGetValue(trialId, out double last) && last >= milestone)
            return;
        _lastBudget[trialId] = milestone;
        Observer?.OnBudgetReached(trialId, milestone, result);
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
