using System.Collections;
using System.Globalization;

namespace TuneSharp.LightGbm;

/// <summary>
/// LightGBM parameters (the <c>params</c> dict of <c>lightgbm.train</c>): typed properties for the common
/// ones, and an indexer for any other parameter by its name or one of LightGBM's aliases. Names are
/// checked against the loaded LightGBM and stored under their canonical name, so a trial config's
/// <c>eta</c> and <see cref="LearningRate"/> are the same parameter.
/// </summary>
/// <remarks>
/// Two defaults differ from LightGBM's: <see cref="NumThreads"/> is 1 (several trials share the CPU, and two
/// OpenMP threads per trial on 2 cores were measured 5–40× slower than one) and <see cref="Verbosity"/> is -1
/// (LightGBM would print to the console from every trial). Setting <see cref="BaggingFraction"/>
/// (<c>subsample</c>) without <see cref="BaggingFreq"/> sets <c>bagging_freq=1</c>: LightGBM ignores the
/// fraction otherwise, while XGBoost, where the seed's <c>subsample</c> comes from, samples every round.
/// </remarks>
public sealed class LightGbmParameters : IEnumerable<KeyValuePair<string, object>>
{
    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);

    /// <summary>Parameters with TuneSharp's defaults (<c>num_threads=1 verbosity=-1</c>).</summary>
    public LightGbmParameters()
    {
        NumThreads = 1;
        Verbosity = -1;
    }

    /// <summary>
    /// Parameters from a trial config (Ray passes its <c>config</c> dict as <c>params</c>): every top-level
    /// entry must be a LightGBM parameter or alias, such as the seed's <c>max_depth</c>, <c>min_child_weight</c>,
    /// <c>subsample</c> and <c>eta</c>.
    /// </summary>
    /// <param name="config">A trial's <see cref="Config"/> or any dictionary of scalar values.</param>
    /// <param name="ignoreUnknown">Skip entries LightGBM does not know, instead of throwing.</param>
    /// <exception cref="ArgumentException">An entry is not a LightGBM parameter, or two entries name the same one.</exception>
    public LightGbmParameters(IReadOnlyDictionary<string, object?> config, bool ignoreUnknown = false) : this()
    {
        ArgumentNullException.ThrowIfNull(config);
        var unknown = new List<string>();
        var givenAs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in config)
        {
            string? canonical = ParameterNames.Canonical(name);
            if (canonical is null)
            {
                unknown.Add(name);
                continue;
            }
            if (givenAs.TryGetValue(canonical, out string? other))
                throw new ArgumentException($"The config sets LightGBM parameter '{canonical}' twice, as '{other}' and as '{name}'. Keep one.", nameof(config));
            givenAs[canonical] = name;
            this[canonical] = value;
        }
        if (unknown.Count > 0 && !ignoreUnknown)
            throw new ArgumentException(
                $"The config has entries that are not LightGBM parameters: {string.Join(", ", unknown)}. " +
                "Rename them to LightGBM's names or aliases, or pass ignoreUnknown: true.", nameof(config));
    }

    /// <summary>Parameters for a trial: its config, with <see cref="NumThreads"/> = its CPU allocation (at least 1) and
    /// <see cref="Seed"/> = <see cref="TrialContext.Seed"/> (so that reruns of a seeded experiment repeat) unless the
    /// config sets them itself.</summary>
    /// <remarks>LightGBM keeps one thread count for the whole process, set by every dataset, booster and prediction it
    /// makes: trials that run at once should ask for the same number of CPUs, or a trial may train on another's count.</remarks>
    public static LightGbmParameters ForTrial(TrialContext trial, bool ignoreUnknown = false)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var parameters = new LightGbmParameters(trial.Config, ignoreUnknown);
        bool Sets(string canonical) => trial.Config.Keys.Any(k => ParameterNames.Canonical(k) == canonical);
        if (!Sets("num_threads"))
            parameters.NumThreads = Math.Max(1, (int)Math.Floor(trial.Resources.Cpu));
        if (!Sets("seed"))
            parameters.Seed = trial.Seed;
        return parameters;
    }

    /// <summary>Any parameter by name or alias; null removes it.</summary>
    /// <exception cref="ArgumentException">LightGBM knows no parameter of that name, or the value cannot be written.</exception>
    public object? this[string name]
    {
        get => _values.GetValueOrDefault(Resolve(name));
        set
        {
            string canonical = Resolve(name);
            if (value is null)
                _values.Remove(canonical);
            else
            {
                Format(canonical, value); // fail here, at the assignment, rather than when training starts
                _values[canonical] = value;
            }
        }
    }

    /// <summary>The learning task, e.g. <c>binary</c> or <c>regression</c>. <value>The default value is null (LightGBM's <c>regression</c>).</value></summary>
    public string? Objective { get => Get<string>("objective"); set => this["objective"] = value; }

    /// <summary>Metrics evaluated on validation sets, e.g. <c>["binary_logloss", "binary_error"]</c>.
    /// <value>The default value is null (the objective's own metric).</value></summary>
    public IReadOnlyList<string>? Metrics
    {
        get => this["metric"] switch
        {
            null => null,
            IEnumerable<string> list => list.ToList(),
            object one => Convert.ToString(one, CultureInfo.InvariantCulture)!.Split(',', StringSplitOptions.RemoveEmptyEntries),
        };
        set => this["metric"] = value?.ToArray();
    }

    /// <summary>OpenMP threads of training and prediction. <value>The default value is 1.</value></summary>
    public int? NumThreads { get => Get<int?>("num_threads"); set => this["num_threads"] = value; }

    /// <summary>LightGBM's log level: -1 fatal only, 0 warnings, 1 info. <value>The default value is -1.</value></summary>
    public int? Verbosity { get => Get<int?>("verbosity"); set => this["verbosity"] = value; }

    /// <summary>The master seed of LightGBM's randomness (bagging, feature sampling). <value>The default value is null.</value></summary>
    public int? Seed { get => Get<int?>("seed"); set => this["seed"] = value; }

    /// <summary>Shrinkage per round (<c>eta</c>). <value>The default value is null (LightGBM's 0.1).</value></summary>
    public double? LearningRate { get => Get<double?>("learning_rate"); set => this["learning_rate"] = value; }

    /// <summary>Maximum tree depth; ≤ 0 means no limit. <value>The default value is null (no limit).</value></summary>
    public int? MaxDepth { get => Get<int?>("max_depth"); set => this["max_depth"] = value; }

    /// <summary>Maximum leaves per tree. <value>The default value is null (LightGBM's 31).</value></summary>
    public int? NumLeaves { get => Get<int?>("num_leaves"); set => this["num_leaves"] = value; }

    /// <summary>Minimum hessian sum in a leaf (<c>min_child_weight</c>). <value>The default value is null (LightGBM's 1e-3).</value></summary>
    public double? MinSumHessianInLeaf { get => Get<double?>("min_sum_hessian_in_leaf"); set => this["min_sum_hessian_in_leaf"] = value; }

    /// <summary>Fraction of rows sampled per bagging round (<c>subsample</c>). <value>The default value is null (1, no bagging).</value></summary>
    public double? BaggingFraction { get => Get<double?>("bagging_fraction"); set => this["bagging_fraction"] = value; }

    /// <summary>Bag every this many rounds; 0 disables bagging. <value>The default value is null (1 when
    /// <see cref="BaggingFraction"/> is set, else LightGBM's 0).</value></summary>
    public int? BaggingFreq { get => Get<int?>("bagging_freq"); set => this["bagging_freq"] = value; }

    /// <summary>Whether <paramref name="name"/> (or an alias of it) is set.</summary>
    public bool Contains(string name) => _values.ContainsKey(Resolve(name));

    /// <summary>A copy that can be changed without changing this one.</summary>
    public LightGbmParameters Clone()
    {
        var copy = new LightGbmParameters();
        copy._values.Clear();
        foreach (var (name, value) in _values)
            copy._values[name] = value;
        return copy;
    }

    /// <summary>The parameters LightGBM receives, as its <c>key=value key=value</c> string.</summary>
    public override string ToString()
    {
        var effective = new Dictionary<string, object>(_values, StringComparer.Ordinal);
        if (effective.ContainsKey("bagging_fraction"))
            effective.TryAdd("bagging_freq", 1);
        return string.Join(" ", effective.Select(kv => $"{kv.Key}={Format(kv.Key, kv.Value)}"));
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => _values.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private T? Get<T>(string canonical) => _values.TryGetValue(canonical, out object? value)
        ? (T?)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture)
        : default;

    private static string Resolve(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return ParameterNames.Canonical(name)
            ?? throw new ArgumentException($"'{name}' is not a LightGBM parameter or alias (LightGBM 4.7.0).", nameof(name));
    }

    // LightGBM splits its parameter string on whitespace and '=': a value holding either would be misread.
    private static string Format(string name, object value)
    {
        string text = value switch
        {
            bool b => b ? "true" : "false",
            string s => s,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            IEnumerable list => string.Join(",", list.Cast<object?>().Select(v => v is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : v?.ToString())),
            _ => value.ToString() ?? "",
        };
        if (text.Length == 0 || text.Any(c => char.IsWhiteSpace(c) || c == '='))
            throw new ArgumentException($"LightGBM parameter '{name}' has the value '{text}', which LightGBM cannot parse: use a non-empty value without spaces or '='.", nameof(value));
        return text;
    }
}
