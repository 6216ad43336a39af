using System.Collections;
using TuneSharp.Search;

namespace TuneSharp.Schedulers.Pbt;

/// <summary>
/// PBT's explore step (Jaderberg et al. 2017, "Population Based Training of Neural Networks", §3.2,
/// "perturb" and "resample"), with Ray Tune's rules: with probability <c>resampleProbability</c> a value is
/// drawn afresh; otherwise a number is multiplied by one of the perturbation factors and a value from a
/// list (or a <see cref="CategoricalDomain"/>, whose entries have no scale) moves to a neighbouring entry.
/// </summary>
internal sealed class PbtExplorer(SearchSpace mutations, double resampleProbability, IReadOnlyList<double> factors,
    Func<Config, Config>? customExplore)
{
    public Config Explore(Config config, Random random)
    {
        Config result = ExploreSpace(config, mutations, "", random);
        return customExplore is null ? result
            : customExplore(result) ?? throw new TuneException("PopulationBasedTraining.CustomExploreFn returned null; return the (modified) config.");
    }

    /// <summary>Fails, naming the entry, when a mutation is of a kind PBT cannot perturb or is itself invalid (bounds,
    /// an empty choice or list); called before any trial runs.</summary>
    public static void Validate(SearchSpace space, string owner, string prefix = "")
    {
        foreach (var (key, mutation) in space)
        {
            string path = prefix + key;
            string where = $"{owner}.HyperparamMutations['{path}']";
            if (mutation is SearchSpace nested)
            {
                Validate(nested, owner, path + "/");
                continue;
            }
            if (mutation is FunctionDomain or GridSearch)
                throw new TuneException($"{where} is {mutation}, which PBT cannot perturb; use Tune.Uniform, Tune.LogUniform, Tune.Choice, a list, or a Func<object?>.");
            if (mutation is not (Domain or Func<object?>) && !(mutation is IList && mutation is not string))
                throw new TuneException($"{where} is {mutation ?? "null"}; use a search-space primitive, a list of values, a Func<object?> or a nested SearchSpace.");
            if (mutation is IList { Count: 0 })
                throw new TuneException($"{where} is an empty list; give the values PBT may move between.");
            if (mutation is Domain domain)
                domain.Validate(where);
        }
    }

    /// <summary>Draws the mutated hyperparameters the config lacks (Ray's <c>_fill_config</c>): a trial may leave them
    /// out of the search space and get its first values from the mutations.</summary>
    public Config Fill(Config config, Random random) => FillSpace(config, mutations, "", random);

    private static Config FillSpace(Config config, SearchSpace space, string prefix, Random random)
    {
        foreach (var (key, mutation) in space)
        {
            string path = prefix + key;
            if (mutation is SearchSpace nested)
                config = FillSpace(config, nested, path + "/", random);
            else if (!config.Contains(path))
                config = config.With(path, Draw(mutation, config, random));
        }
        return config;
    }

    private static object? Draw(object? mutation, Config config, Random random) => mutation switch
    {
        IList list when mutation is not string => list[random.Next(list.Count)],
        Domain domain => domain.Sample(random, config),
        Func<object?> function => function(),
        _ => throw new InvalidOperationException($"unvalidated mutation {mutation}"),
    };

    private Config ExploreSpace(Config config, SearchSpace space, string prefix, Random random)
    {
        foreach (var (key, mutation) in space)
        {
            string path = prefix + key;
            object? current = config.Contains(path) ? config.Get<object?>(path) : null;
            config = mutation switch
            {
                SearchSpace nested => ExploreSpace(config, nested, path + "/", random),
                CategoricalDomain categorical => config.With(path, Neighbour(categorical.Categories, current, random)),
                IList list when mutation is not string => config.With(path, Neighbour(list.Cast<object?>().ToList(), current, random)),
                Domain domain => config.With(path, Numeric(current, () => domain.Sample(random, config), domain, random)),
                Func<object?> function => config.With(path, Numeric(current, function, null, random)),
                _ => throw new InvalidOperationException($"unvalidated mutation {mutation}"),
            };
        }
        return config;
    }

    private object? Neighbour(IReadOnlyList<object?> values, object? current, Random random)
    {
        int index = IndexOf(values, current);
        if (index < 0 || random.NextDouble() < resampleProbability)
            return values[random.Next(values.Count)];
        return random.NextDouble() > 0.5 ? values[Math.Max(0, index - 1)] : values[Math.Min(values.Count - 1, index + 1)];
    }

    private object? Numeric(object? current, Func<object?> resample, Domain? domain, Random random)
    {
        if (random.NextDouble() < resampleProbability || !JsonValues.TryGetDouble(current, out double value))
            return resample();
        double perturbed = value * factors[random.Next(factors.Count)];
        // Unlike Ray, stay inside the domain's bounds: a perturbed learning rate must remain a valid one.
        switch (domain)
        {
            case FloatDomain f when f.Sampler != NumericSampler.Normal:
                perturbed = Math.Clamp(perturbed, f.Lower, f.Upper);
                break;
            case IntDomain i:
                return Math.Clamp((long)perturbed, i.Lower, i.MaxValue);
        }
        // A float mutation stays a float even if the value came back from JSON as a whole number; a function's follows
        // the value's own kind.
        return domain is not FloatDomain && current is int or long ? (long)perturbed : perturbed;
    }

    private static int IndexOf(IReadOnlyList<object?> values, object? current)
    {
        for (int i = 0; i < values.Count; i++)
            if (JsonValues.ValueEquals(values[i], current))
                return i;
        return -1;
    }
}
