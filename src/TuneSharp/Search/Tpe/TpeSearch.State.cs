using System.Text.Json.Nodes;

namespace TuneSharp.Search;

public sealed partial class TpeSearch
{
    private const int StateVersion = 1;

    /// <summary>
    /// The searcher's state: the seed and the number of suggestions made (each suggestion draws from its own
    /// seeded stream), the next point to evaluate, every observation in completion order and the running trials.
    /// Restoring it after <see cref="Setup"/> makes the next suggestion exactly the one the saved searcher would make.
    /// </summary>
    public JsonObject SaveState() => _search.Save(StateVersion);

    /// <summary>Restores what <see cref="SaveState"/> wrote; the search space must be the one it was saved with.</summary>
    public void RestoreState(JsonObject state)
    {
        if (_sampler is null)
            throw new InvalidOperationException("Setup must be called before RestoreState.");
        _search.Restore(state, StateVersion);
    }
}
