using System.Collections;
using TuneSharp.Search;

namespace TuneSharp;

/// <summary>
/// The search-space primitives, named as Ray Tune's <c>tune.*</c> functions, and
/// <see cref="WithResources(Func{TrialContext, Task}, Resources)"/>.
/// </summary>
public static partial class Tune
{
    /// <summary>A float uniformly in [lower, upper) (<c>tune.uniform</c>).</summary>
    public static FloatDomain Uniform(double lower, double upper) => new(NumericSampler.Uniform, lower, upper, null);

    /// <summary>A float uniformly in [lower, upper], rounded to multiples of q (<c>tune.quniform</c>).</summary>
    public static FloatDomain QUniform(double lower, double upper, double q) => new(NumericSampler.Uniform, lower, upper, q);

    /// <summary>A float log-uniformly in [lower, upper) (<c>tune.loguniform</c>); lower must be &gt; 0.</summary>
    public static FloatDomain LogUniform(double lower, double upper, double logBase = 10) =>
        new(NumericSampler.LogUniform, lower, upper, null, logBase);

    /// <summary>A float log-uniformly in [lower, upper], rounded to multiples of q (<c>tune.qloguniform</c>).</summary>
    public static FloatDomain QLogUniform(double lower, double upper, double q, double logBase = 10) =>
        new(NumericSampler.LogUniform, lower, upper, q, logBase);

    /// <summary>A float from a normal distribution (<c>tune.randn</c>).</summary>
    public static FloatDomain Randn(double mean = 0, double sd = 1) =>
        new(NumericSampler.Normal, double.NegativeInfinity, double.PositiveInfinity, null, mean: mean, stdDev: sd);

    /// <summary>A float from a normal distribution, rounded to multiples of q (<c>tune.qrandn</c>).</summary>
    public static FloatDomain QRandn(double mean, double sd, double q) =>
        new(NumericSampler.Normal, double.NegativeInfinity, double.PositiveInfinity, q, mean: mean, stdDev: sd);

    /// <summary>An integer uniformly in [lower, upper): the upper bound is exclusive (<c>tune.randint</c>).</summary>
    public static IntDomain RandInt(long lower, long upper) => new(NumericSampler.Uniform, lower, upper, null);

    /// <summary>A multiple of q in [lower, upper], each alike: the upper bound is inclusive (<c>tune.qrandint</c>; Ray's
    /// rounding gives the multiples at the ends a little less weight).</summary>
    public static IntDomain QRandInt(long lower, long upper, long q = 1) => new(NumericSampler.Uniform, lower, upper, q);

    /// <summary>An integer log-uniformly in [lower, upper): upper exclusive (<c>tune.lograndint</c>).</summary>
    public static IntDomain LogRandInt(long lower, long upper, double logBase = 10) =>
        new(NumericSampler.LogUniform, lower, upper, null, logBase);

    /// <summary>An integer log-uniformly between the first and the last multiple of q in [lower, upper], rounded to a
    /// multiple of q: upper inclusive (<c>tune.qlograndint</c>, as Ray samples it).</summary>
    public static IntDomain QLogRandInt(long lower, long upper, long q, double logBase = 10) =>
        new(NumericSampler.LogUniform, lower, upper, q, logBase);

    /// <summary>One of the given values, uniformly (<c>tune.choice</c>). Values may be nested spaces. A lazy sequence
    /// passed alone (<c>Tune.Choice(Enumerable.Range(1, 4))</c>, Ray's <c>tune.choice(range(1, 5))</c>) gives its items.</summary>
    public static CategoricalDomain Choice(params object?[] categories) => new(Items(categories, nameof(Choice)));

    /// <summary>One of the given values, uniformly (<c>tune.choice</c> with a list). A list, not any sequence:
    /// a string or a dictionary passed alone is one value, as in <c>Tune.Choice("relu")</c>.</summary>
    public static CategoricalDomain Choice<T>(IReadOnlyList<T> categories) => new(categories.Cast<object?>().ToArray());

    /// <summary>Every given value, in a cartesian product with other grids (<c>tune.grid_search</c>). A lazy sequence
    /// passed alone gives its items.</summary>
    public static GridSearch GridSearch(params object?[] values) => new(Items(values, nameof(GridSearch)));

    /// <summary>The values passed; a lazy sequence passed alone (not a string, list or dictionary, which are values in
    /// a config) stands for its items, as it can be no config value.</summary>
    private static object?[] Items(object?[]? values, string primitive)
    {
        if (values is null)
            throw new ArgumentNullException(nameof(values),
                $"Tune.{primitive}(null) was given no values. Pass the values; for a single null value, Tune.{primitive}((object?)null).");
        return values is [IEnumerable sequence] && !IsConfigValue(sequence) ? sequence.Cast<object?>().ToArray() : values.ToArray();
    }

    private static bool IsConfigValue(IEnumerable value) =>
        value is string or IList or IDictionary or SearchSpace
        || value.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            && i.GetGenericArguments()[0] is { IsGenericType: true } item && item.GetGenericTypeDefinition() == typeof(KeyValuePair<,>));

    /// <summary>Every given value, in a cartesian product with other grids (<c>tune.grid_search</c> with a list).
    /// A list, not any sequence: a string passed alone is one value.</summary>
    public static GridSearch GridSearch<T>(IReadOnlyList<T> values) => new(values.Cast<object?>().ToArray());

    /// <summary>A value computed from the already-resolved config (<c>tune.sample_from</c>). The function is also called
    /// once when the space is validated, before any trial runs, so that one that throws fails early: keep it free of side
    /// effects (a counter would skip its first value). Read other values by key (<c>c.Get&lt;double&gt;("lr")</c>,
    /// <c>c["lr"]</c>): a function reading one not resolved yet runs again later, as in Ray; enumerating the config does
    /// not wait for them.</summary>
    public static FunctionDomain SampleFrom(Func<Config, object?> function) => new(function);
}
