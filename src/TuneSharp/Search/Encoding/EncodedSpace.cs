using System.Collections;

namespace TuneSharp.Search.Encoding;

/// <summary>
/// The search space as a flat list of encoded parameters (shared by the model-based searchers), in the order SpaceWalker visits them (a categorical
/// before the parameters nested in its categories). A parameter nested in a category is active only when
/// that category is chosen: the tree structure of Bergstra et al. 2011 (section 4), where each parameter's
/// estimator only sees the trials in which it was active.
/// </summary>
internal sealed class EncodedSpace
{
    private readonly SearchSpace _space;
    private readonly Dictionary<string, int> _indexByKey = new();
    private readonly List<EncodedParameter> _parameters = [];
    private bool _hasNestedSpaces;

    /// <summary>See <see cref="SpaceWalker.FlattenPreset"/>.</summary>
    public Dictionary<string, object?> FlattenPoint(IReadOnlyDictionary<string, object?> point) => SpaceWalker.FlattenPreset(point, _space);

    /// <summary>See <see cref="SpaceWalker.CheckPointKeys"/>.</summary>
    public void CheckPointKeys(IReadOnlyDictionary<string, object?> flat, string where) => SpaceWalker.CheckPointKeys(_space, flat, where);

    public EncodedSpace(SearchSpace space, string searcher)
    {
        _space = space;
        Searcher = searcher;
        foreach (var (key, value) in space)
            Walk(value, key, key, -1, 0);
        SampledPaths = SpaceWalker.Primitives(space).Where(p => p.Primitive is not FunctionDomain).Select(p => p.Path).ToList();
    }

    /// <summary>The searcher's name, for errors.</summary>
    public string Searcher { get; }

    public IReadOnlyList<EncodedParameter> Parameters => _parameters;

    /// <summary>The searched top-level primitives, as <see cref="BasicVariantGenerator"/> reports them.</summary>
    public IReadOnlyList<string> SampledPaths { get; }

    public IEnumerable<string> Keys => _parameters.Select(p => p.Key);

    private void Walk(object? node, string path, string key, int parent, int parentChoice)
    {
        switch (node)
        {
            case GridSearch:
                throw new TuneException($"Search space parameter '{path}' is a GridSearch, which {Searcher} cannot model: " +
                    $"it needs a distribution to sample from. Use Tune.Choice(...) with the same values for '{path}', or use the default BasicVariantGenerator.");
            case FunctionDomain:
                return; // resolved after sampling, as SpaceWalker does
            case CategoricalDomain categorical:
                int index = Add(EncodedParameterFactory.Categorical(_parameters.Count, path, key, categorical, parent, parentChoice));
                for (int i = 0; i < categorical.Categories.Count; i++)
                {
                    if (!SpaceWalker.IsSpaceLike(categorical.Categories[i]))
                        continue;
                    _hasNestedSpaces = true;
                    // A chosen nested space is resolved in place, at the categorical's own path.
                    Walk(categorical.Categories[i], path, $"{key}\0{i}", index, i);
                }
                return;
            case FloatDomain or IntDomain:
                Add(EncodedParameterFactory.Numeric(_parameters.Count, path, key, (Domain)node, parent, parentChoice));
                return;
            case Domain other:
                throw new TuneException($"Search space parameter '{path}' is a {other.GetType().Name} ({other}), which {Searcher} cannot model. " +
                    "Use Tune.Uniform, Tune.LogUniform, Tune.RandInt, Tune.Choice (or their quantised forms) instead.");
            default:
                foreach (var (childPath, child) in SpaceWalker.Children(node, path))
                    Walk(child, childPath, key + childPath[path.Length..], parent, parentChoice);
                return;
        }
    }

    private int Add(EncodedParameter parameter)
    {
        _parameters.Add(parameter);
        _indexByKey[parameter.Key] = parameter.Index;
        return parameter.Index;
    }

    /// <summary>Whether parameter <paramref name="p"/> is active given the values decided so far in <paramref name="x"/>.</summary>
    public bool IsActive(int p, ReadOnlySpan<double> x)
    {
        EncodedParameter parameter = _parameters[p];
        return parameter.Parent < 0 || (!double.IsNaN(x[parameter.Parent]) && (int)x[parameter.Parent] == parameter.ParentChoice);
    }

    /// <summary>
    /// Builds the trial's config from an internal vector: leaf values go in as presets, chosen nested spaces are
    /// substituted for their categoricals, and SpaceWalker resolves the rest (constants, SampleFrom functions)
    /// exactly as for the default searcher. <paramref name="userPreset"/> (a point to evaluate) wins for paths it names.
    /// </summary>
    public Config BuildConfig(ReadOnlySpan<double> x, IReadOnlyDictionary<string, object?>? userPreset)
    {
        var preset = new Dictionary<string, object?>();
        for (int p = 0; p < _parameters.Count; p++)
        {
            EncodedParameter parameter = _parameters[p];
            if (double.IsNaN(x[p]) || (parameter.Kind == ParameterKind.Categorical && parameter.SpaceLike[(int)x[p]]))
                continue;
            preset[parameter.ConfigPath] = parameter.ConfigValue(x[p]);
        }
        if (userPreset is not null)
            foreach (var (path, value) in userPreset)
                if (!SpaceWalker.IsSpaceLike(value))
                    preset[path] = value;
        double[] values = x.ToArray();
        SearchSpace root = _hasNestedSpaces ? (SearchSpace)Substitute(_space, "", "", values)! : _space;
        // Every primitive is preset or substituted, so Resolve never draws from the random source it is given.
        return new Config(SpaceWalker.Resolve(root, Random.Shared, new Dictionary<string, object?>(), preset));
    }

    private object? Substitute(object? node, string path, string key, double[] x)
    {
        switch (node)
        {
            case CategoricalDomain categorical when _indexByKey.TryGetValue(key, out int p) && !double.IsNaN(x[p]):
                int choice = (int)x[p];
                return categorical.Categories[choice] is var category && SpaceWalker.IsSpaceLike(category)
                    ? Substitute(category, path, $"{key}\0{choice}", x)
                    : categorical;
            case SearchSpace or IDictionary:
                var space = new SearchSpace();
                foreach (var (childPath, child) in SpaceWalker.Children(node, path))
                {
                    string name = path.Length == 0 ? childPath : childPath[(path.Length + 1)..];
                    space.Add(name, Substitute(child, childPath, key + (key.Length == 0 ? childPath : childPath[path.Length..]), x));
                }
                return space;
            case IList list when node is not string:
                var copy = new List<object?>(list.Count);
                foreach (var (childPath, child) in SpaceWalker.Children(node, path))
                    copy.Add(Substitute(child, childPath, key + childPath[path.Length..], x));
                return copy;
            default:
                return node;
        }
    }

    /// <summary>Encodes a point to evaluate into an internal vector; parameters it does not fix stay NaN.</summary>
    public double[] Encode(IReadOnlyDictionary<string, object?> flatPreset, int pointIndex)
    {
        var x = new double[_parameters.Count];
        Array.Fill(x, double.NaN);
        for (int p = 0; p < _parameters.Count; p++)
        {
            EncodedParameter parameter = _parameters[p];
            if (!IsActive(p, x) || !flatPreset.TryGetValue(parameter.ConfigPath, out object? value))
                continue;
            x[p] = EncodedParameterFactory.Encode(parameter, value, $"{Searcher}.PointsToEvaluate[{pointIndex}]");
        }
        return x;
    }

    /// <summary>
    /// An internal vector from a point (flat '/'-joined paths), in space order so a categorical is decided before
    /// the parameters nested in it: the point's value where it gives one, else a draw from the prior, or, without
    /// <paramref name="random"/> (a warm-start point, which must be complete), an error naming <paramref name="point"/>.
    /// </summary>
    public double[] FillFromPoint(IReadOnlyDictionary<string, object?> flat, string point, SplitMix64? random)
    {
        var x = new double[_parameters.Count];
        Array.Fill(x, double.NaN);
        for (int p = 0; p < x.Length; p++)
        {
            if (!IsActive(p, x))
                continue;
            EncodedParameter parameter = _parameters[p];
            if (flat.TryGetValue(parameter.ConfigPath, out object? value))
                x[p] = EncodedParameterFactory.Encode(parameter, value, point);
            if (double.IsNaN(x[p]))
                x[p] = random is not null ? parameter.SamplePrior(random) : throw new TuneException(
                    $"{point} has no value for '{parameter.ConfigPath}', but EvaluatedRewards needs complete points. Add '{parameter.ConfigPath}' to the point.");
        }
        return x;
    }
}
