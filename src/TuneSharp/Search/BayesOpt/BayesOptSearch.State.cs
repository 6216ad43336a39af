using System.Text.Json.Nodes;
using TuneSharp.Search.BayesOpt;
using static TuneSharp.Search.Encoding.StateJson;

namespace TuneSharp.Search;

public sealed partial class BayesOptSearch
{
    private const int StateVersion = 1;

    /// <summary>
    /// The searcher's state: the seed and the number of suggestions made (each suggestion draws from its own seeded
    /// stream), the next point to evaluate, every observation in completion order, the running trials and the last
    /// fitted kernel hyperparameters with the number of trials they were fitted on (the next fit starts from them).
    /// Restoring it after <see cref="Setup"/> makes the next suggestion exactly the one the saved searcher would make.
    /// </summary>
    public JsonObject SaveState()
    {
        JsonObject state = _search.Save(StateVersion);
        state["kernel"] = _model?.Hyperparameters is { } h ? Vector(h.ToVector()) : null;
        state["kernel_fitted_on"] = _model?.FittedOn ?? 0;
        return state;
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote; the search space must be the one it was saved with.</summary>
    public void RestoreState(JsonObject state)
    {
        if (_model is null)
            throw new InvalidOperationException("Setup must be called before RestoreState.");
        _search.Restore(state, StateVersion);
        _model.Hyperparameters = state["kernel"] is JsonNode kernel ? GpHyperparameters.FromVector(ReadVector(kernel)) : null;
        _model.FittedOn = state["kernel_fitted_on"]!.GetValue<int>();
    }
}
