namespace TuneSharp.Search.Bohb;

/// <summary>
/// The seam between <see cref="Schedulers.HyperBandForBohb"/> and <see cref="BohbSearch"/>: the scheduler tells the
/// searcher each time a trial reaches one of its bracket's milestones, so the searcher records the trial's loss at
/// that budget and at no other iteration (Falkner et al. 2018, section 4: one set of observations D_b per budget b).
/// Ray passes the same fact as <c>result["hyperband_info"]["budget"]</c>; TuneSharp's controller hands a result to
/// the searcher before the scheduler, so the scheduler calls the searcher instead. The <see cref="Tuner"/> connects
/// the two before the experiment starts.
/// </summary>
internal interface IBudgetObserver
{
    /// <summary>Trial <paramref name="trialId"/> reported <paramref name="result"/> on reaching
    /// <paramref name="budget"/> (the milestone, in the scheduler's time attribute).</summary>
    void OnBudgetReached(string trialId, double budget, IReadOnlyDictionary<string, object?> result);
}
