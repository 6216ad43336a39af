using System.Collections;

namespace TuneSharp.Search;

/// <summary>
/// A search space (Ray Tune's <c>param_space</c> dict): parameter names mapped to primitives from
/// <see cref="Tune"/>, nested spaces, lists, or plain constants. Insertion order is kept, and it decides
/// the order in which functions are resolved; grids expand in path order, as in Ray.
/// </summary>
public sealed class SearchSpace : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly Dictionary<string, object?> _entries = new();

    /// <summary>Gets or sets the entry for <paramref name="name"/>.</summary>
    public object? this[string name]
    {
        get => _entries[name];
        set => _entries[name] = value;
    }

    /// <summary>Adds an entry (collection-initializer form).</summary>
    public void Add(string name, object? value) => _entries.Add(name, value);

    /// <summary>The number of top-level entries.</summary>
    public int Count => _entries.Count;

    /// <summary>Every primitive in the space with its '/'-joined path (grids and functions included).</summary>
    public IReadOnlyList<(string Path, object Primitive)> Parameters() => SpaceWalker.Primitives(this);

    /// <summary>Throws a <see cref="TuneException"/> naming the path and value of the first invalid entry.</summary>
    public void Validate() => SpaceWalker.ValidateSpace(this);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _entries.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Builds a space from any dictionary (e.g. one read from JSON).</summary>
    public static SearchSpace From(IEnumerable<KeyValuePair<string, object?>> entries)
    {
        var space = new SearchSpace();
        foreach (var (key, value) in entries)
            space.Add(key, value);
        return space;
    }
}
