using System.Collections;

namespace TuneSharp.Search;

/// <summary>
/// Walks a search space: validation, listing primitives, and resolving a space into a <see cref="Config"/>.
/// Nested containers are <see cref="SearchSpace"/>s or string-keyed dictionaries, and lists.
/// </summary>
internal static class SpaceWalker
{
    public static void ValidateSpace(SearchSpace space)
    {
        foreach (var (key, value) in space)
        {
            if (string.IsNullOrEmpty(key) || key.Contains('/'))
                throw new TuneException($"Search space parameter name '{key}' is not allowed: names must be non-empty and must not contain '/'. Nest a SearchSpace instead.");
            Validate(value, key);
        }
        // A dry run resolves every SampleFrom once, so a function that throws (or a cycle between functions) fails
        // before any trial runs. (Ray does not: a function with side effects sees one call more here.)
        var dryRun = new Random(0);
        Resolve(space, dryRun, new Dictionary<string, object?>(), new Dictionary<string, object?>());
    }

    public static void Validate(object? node, string path)
    {
        switch (node)
        {
            case Domain domain:
                domain.Validate(path);
                break;
            case GridSearch grid:
                if (grid.Values.Count == 0)
                    throw new TuneException($"Search space parameter '{path}': Tune.GridSearch was given no values. Pass at least one value.");
                foreach (object? value in grid.Values)
                    if (IsSpaceLike(value))
                        throw new TuneException($"Search space parameter '{path}': a grid value is itself a search space ({value}). Grid values must be plain values; use Tune.Choice for nested spaces.");
                break;
            default:
                foreach (var (childPath, child) in Children(node, path))
                {
                    // A '/' in a key would make the paths of what lies below ambiguous ("a/b/c"): refused where a
                    // parameter lies below; a plain value's key (a file name in a constant dictionary) stays as it is.
                    if (node is SearchSpace or IDictionary && childPath[(path.Length == 0 ? 0 : path.Length + 1)..].Contains('/')
                        && IsSpaceLike(child))
                        throw new TuneException($"Search space key '{childPath[(path.Length == 0 ? 0 : path.Length + 1)..]}' under '{path}' " +
                            "contains '/', which separates the levels of a parameter's path. Rename it, or nest a SearchSpace.");
                    Validate(child, childPath);
                }
                break;
        }
    }

    public static IReadOnlyList<(string Path, object Primitive)> Primitives(object? node)
    {
        var found = new List<(string, object)>();
        Collect(node, "", found);
        return found;
    }

    private static void Collect(object? node, string path, List<(string, object)> found)
    {
        if (node is Domain or GridSearch)
            found.Add((path, node));
        else
            foreach (var (childPath, child) in Children(node, path))
                Collect(child, childPath, found);
    }

    /// <summary>The grid searches of a space sorted by path, as Ray's <c>parse_spec_vars</c> sorts its grid
    /// variables, so that the same space expands in the same trial order as in Ray (the first varies fastest).</summary>
    public static IReadOnlyList<(string Path, GridSearch Grid)> Grids(SearchSpace space) =>
        Primitives(space).Where(p => p.Primitive is GridSearch).Select(p => (p.Path, (GridSearch)p.Primitive))
            .OrderBy(g => g.Path, PathOrder.Instance).ToList();

    /// <summary>Orders '/'-joined paths as Python orders Ray's path tuples: segment by segment, ordinally,
    /// list indices by number.</summary>
    private sealed class PathOrder : IComparer<string>
    {
        public static readonly PathOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            string[] a = x!.Split('/'), b = y!.Split('/');
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                int order = int.TryParse(a[i], out int m) && int.TryParse(b[i], out int n)
                    ? m.CompareTo(n) : string.CompareOrdinal(a[i], b[i]);
                if (order != 0)
                    return order;
            }
            return a.Length.CompareTo(b.Length);
        }
    }

    /// <summary>
    /// Resolves a space: grid values from <paramref name="grid"/>, fixed values from <paramref name="preset"/>
    /// (both keyed by path), every other primitive sampled, then every function evaluated in order.
    /// </summary>
    public static Dictionary<string, object?> Resolve(SearchSpace space, Random random,
        IReadOnlyDictionary<string, object?> grid, IReadOnlyDictionary<string, object?> preset)
    {
        var pending = new List<(string Path, FunctionDomain Function)>();
        var root = (Dictionary<string, object?>)ResolveNode(space, "", random, grid, preset, pending)!;
        // As Ray's _resolve_domain_vars: a function that reads a SampleFrom not resolved yet is retried in a
        // later pass, so functions may depend on each other in any declaration order.
        while (pending.Count > 0)
        {
            var deferred = new List<(string Path, FunctionDomain Function)>();
            string? blockedOn = null;
            foreach (var (path, function) in pending)
            {
                object? value;
                try
                {
                    value = function.Function(new Config(root));
                }
                catch (UnresolvedDependencyException e)
                {
                    deferred.Add((path, function));
                    blockedOn ??= e.Path;
                    continue;
                }
                catch (Exception e)
                {
                    throw new TuneException(
                        $"Search space parameter '{path}': its SampleFrom function threw {e.GetType().Name}: {e.Message} Fix the function so that it works on the resolved config.", e);
                }
                if (HoldsUnresolved(value))
                {
                    // It read a placeholder past the guards (inside a nested dictionary) and handed it back: not done yet.
                    deferred.Add((path, function));
                    blockedOn ??= path;
                    continue;
                }
                SetAt(root, path, value);
            }
            if (deferred.Count == pending.Count)
                throw new TuneException(
                    $"Search space parameter '{deferred[0].Path}': its SampleFrom function reads '{blockedOn}', which depends on it in turn. Break the cycle between these SampleFrom functions.");
            pending = deferred;
        }
        return root;
    }

    private static object? ResolveNode(object? node, string path, Random random,
        IReadOnlyDictionary<string, object?> grid, IReadOnlyDictionary<string, object?> preset,
        List<(string, FunctionDomain)> pending)
    {
        if (path.Length > 0 && preset.TryGetValue(path, out object? fixedValue))
            return fixedValue;
        switch (node)
        {
            case GridSearch gs:
                return grid.TryGetValue(path, out object? gridValue) ? gridValue : gs.Values[0];
            case FunctionDomain function:
                pending.Add((path, function));
                return Unresolved.Value;
            case Domain domain:
                object? sampled = domain.Sample(random, Config.Empty);
                // A chosen category may be a nested space: resolve it in place.
                return IsSpaceLike(sampled) ? ResolveNode(sampled, path, random, grid, preset, pending) : sampled;
            case SearchSpace or IDictionary:
                var dict = new Dictionary<string, object?>();
                int keyStart = path.Length == 0 ? 0 : path.Length + 1;
                foreach (var (childPath, child) in Children(node, path))
                    dict[childPath[keyStart..]] = ResolveNode(child, childPath, random, grid, preset, pending);
                return dict;
            case IList list when node is not string:
                var resolved = new List<object?>(list.Count);
                foreach (var (childPath, child) in Children(node, path))
                    resolved.Add(ResolveNode(child, childPath, random, grid, preset, pending));
                return resolved;
            default:
                return node;
        }
    }

    private static bool HoldsUnresolved(object? value) => value switch
    {
        Unresolved => true,
        IDictionary d => d.Values.Cast<object?>().Any(HoldsUnresolved),
        IList l when value is not string => l.Cast<object?>().Any(HoldsUnresolved),
        _ => false,
    };

    public static bool IsSpaceLike(object? value) => value switch
    {
        Domain or GridSearch or SearchSpace => true,
        IDictionary d => d.Values.Cast<object?>().Any(IsSpaceLike),
        IList l when value is not string => l.Cast<object?>().Any(IsSpaceLike),
        _ => false,
    };

    internal static IEnumerable<(string Path, object? Value)> Children(object? node, string path)
    {
        string prefix = path.Length == 0 ? "" : path + "/";
        switch (node)
        {
            case SearchSpace space:
                foreach (var (key, value) in space)
                    yield return (prefix + key, value);
                break;
            case IDictionary dict:
                foreach (DictionaryEntry entry in dict)
                    yield return (prefix + entry.Key, entry.Value);
                break;
            case IList list when node is not string:
                for (int i = 0; i < list.Count; i++)
                    yield return (prefix + i, list[i]);
                break;
        }
    }

    private static void SetAt(Dictionary<string, object?> root, string path, object? value)
    {
        string[] parts = path.Split('/');
        object? node = root;
        for (int i = 0; i < parts.Length - 1; i++)
            node = node is Dictionary<string, object?> d ? d[parts[i]] : ((List<object?>)node!)[int.Parse(parts[i])];
        if (node is Dictionary<string, object?> dict)
            dict[parts[^1]] = value;
        else
            ((List<object?>)node!)[int.Parse(parts[^1])] = value;
    }

    /// <summary>
    /// Fails, naming <paramref name="where"/>, when a flattened point to evaluate names a path the space does not have:
    /// as Ray's "Pre-set config key ... does not correspond to a valid key", rather than quietly running a random trial
    /// for a misspelt key. A path inside a parameter (a field of a dictionary a Tune.Choice offers) counts as the parameter's.
    /// </summary>
    public static void CheckPointKeys(SearchSpace space, IReadOnlyDictionary<string, object?> flat, string where)
    {
        var paths = new HashSet<string>();
        var parameters = new List<string>();
        void Walk(object? node, string path)
        {
            if (path.Length > 0)
                paths.Add(path);
            if (node is Domain or GridSearch)
                parameters.Add(path);
            else
                foreach (var (childPath, child) in Children(node, path))
                    Walk(child, childPath);
        }
        Walk(space, "");
        foreach (string key in flat.Keys)
            if (!paths.Contains(key) && !parameters.Any(p => key.StartsWith(p + "/", StringComparison.Ordinal)))
                throw new TuneException(
                    $"{where} names '{key}', which is not in the search space (its parameters: {string.Join(", ", parameters)}). " +
                    "Name a parameter of the search space, or add the key to it.");
    }

    /// <summary>Flattens a nested partial config (a point to evaluate) into '/'-joined paths. A dictionary at the path of
    /// one of <paramref name="space"/>'s parameters is that parameter's value (a category a Tune.Choice offers), kept whole.</summary>
    public static Dictionary<string, object?> FlattenPreset(IReadOnlyDictionary<string, object?> preset, SearchSpace space)
    {
        var parameters = Primitives(space).Select(p => p.Path).ToHashSet();
        var flat = new Dictionary<string, object?>();
        void Walk(object? node, string path)
        {
            if (node is IDictionary d && !parameters.Contains(path))
                foreach (DictionaryEntry e in d)
                    Walk(e.Value, path.Length == 0 ? (string)e.Key : $"{path}/{e.Key}");
            else
                flat[path] = node;
        }
        foreach (var (key, value) in preset)
            Walk(value, key);
        return flat;
    }
}

/// <summary>The placeholder of a SampleFrom that is not resolved yet.</summary>
internal sealed class Unresolved
{
    public static readonly Unresolved Value = new();

    public override string ToString() => "<SampleFrom not resolved yet>";
}

/// <summary>Thrown when a SampleFrom function reads a value that is still <see cref="Unresolved"/>.</summary>
internal sealed class UnresolvedDependencyException(string path) : Exception($"'{path}' is a SampleFrom that is not resolved yet.")
{
    public string Path { get; } = path;
}
