namespace TuneSharp.LightGbm;

/// <summary>One metric on one data set after a boosting round (an entry of Python's <c>evaluation_result_list</c>).</summary>
/// <param name="DataName">The data set's name as given to <see cref="LightGbm.Train"/>, e.g. <c>eval</c>.</param>
/// <param name="MetricName">LightGBM's metric name, e.g. <c>binary_logloss</c>.</param>
/// <param name="Value">The metric's value.</param>
public readonly record struct EvaluationResult(string DataName, string MetricName, double Value);

/// <summary>What a callback sees after a boosting round (Python's <c>lightgbm.callback.CallbackEnv</c>).</summary>
/// <param name="Model">The booster being trained; valid only during the call.</param>
/// <param name="Parameters">The training parameters.</param>
/// <param name="Iteration">The 0-based round just finished, counting the rounds of an initial model.</param>
/// <param name="BeginIteration">The first round of this call of <see cref="LightGbm.Train"/> (the initial model's rounds).</param>
/// <param name="EndIteration">One past the last round of this call.</param>
/// <param name="EvaluationResults">Every metric on every validation set.</param>
public sealed record TrainingRound(
    Booster Model, LightGbmParameters Parameters, int Iteration, int BeginIteration, int EndIteration,
    IReadOnlyList<EvaluationResult> EvaluationResults)
{
    /// <summary>Whether this is the last round of the call.</summary>
    public bool IsLast => Iteration == EndIteration - 1;
}

/// <summary>Called by <see cref="LightGbm.Train"/> after every boosting round (a LightGBM Python callback).
/// Throwing stops training; the exception reaches the caller of Train.</summary>
public interface ITrainingCallback
{
    /// <summary>Runs after round <see cref="TrainingRound.Iteration"/> has been boosted and evaluated.</summary>
    void AfterIteration(TrainingRound round);
}
