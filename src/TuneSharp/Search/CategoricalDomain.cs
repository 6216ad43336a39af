namespace TuneSharp.Search;

/// <summary>
/// A choice among fixed values (Ray Tune's <c>tune.choice</c>). A category may itself be a nested
/// search space (a <see cref="SearchSpace"/>, a dictionary or a <see cref="Domain"/>), which is resolved
/// after it is chosen.
/// </summary>
public sealed class CategoricalDomain : Domain
{
    internal CategoricalDomain(IReadOnlyList<object?> categories) => Categories = categories;

    /// <summary>The values to choose from, in the order given.</summary>
    public IReadOnlyList<object?> Categories { get; }

    /// <inheritdoc />
    public override object? Sample(Random random, Config resolved) => Categories[random.Next(Categories.Count)];

    /// <inheritdoc />
    public override void Validate(string path)
    {
        if (Categories.Count == 0)
            throw Invalid(path, "Tune.Choice was given no values", "Pass at least one value, e.g. Tune.Choice(0.01, 0.1).");
        for (int i = 0; i < Categories.Count; i++)
        {
            SpaceWalker.Validate(Categories[i], $"{path}[{i}]");
            // The grid is expanded before any category is chosen, so one inside a category would never be (Ray expands it
            // after the choice; TuneSharp refuses it rather than quietly using its first value).
            if (SpaceWalker.Primitives(Categories[i]).Any(p => p.Primitive is GridSearch))
                throw Invalid($"{path}[{i}]", "a Tune.GridSearch inside a Tune.Choice category is not expanded",
                    "Move the grid out of the choice (a grid per category is a grid over the categories), or use Tune.Choice for its values.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"choice([{string.Join(", ", Categories.Select(c => c?.ToString() ?? "null"))}])";
}

/// <summary>
/// A value computed from the rest of the resolved config (Ray Tune's <c>tune.sample_from</c>).
/// Functions are resolved after every other parameter, in the order they appear; one that reads another
/// function's value not resolved yet is retried after it, as in Ray.
/// </summary>
public sealed class FunctionDomain : Domain
{
    internal FunctionDomain(Func<Config, object?> function) => Function = function;

    /// <summary>The function; it receives the config resolved so far.</summary>
    public Func<Config, object?> Function { get; }

    /// <inheritdoc />
    public override object? Sample(Random random, Config resolved) => Function(resolved);

    /// <inheritdoc />
    public override void Validate(string path) { }

    /// <inheritdoc />
    public override string ToString() => "sample_from(<function>)";
}

/// <summary>
/// Every value is tried, in a cartesian product with the other grid searches (Ray Tune's
/// <c>tune.grid_search</c>). Only the default <see cref="BasicVariantGenerator"/> expands grids.
/// </summary>
public sealed class GridSearch
{
    internal GridSearch(IReadOnlyList<object?> values) => Values = values;

    /// <summary>The values, in order.</summary>
    public IReadOnlyList<object?> Values { get; }

    /// <inheritdoc />
    public override string ToString() => $"grid_search([{string.Join(", ", Values)}])";
}
