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
                _ => throw new TuneException($"PopulationBasedTraining.HyperparamMutations['{path}'] is {mutation}; use a search-space primitive, a list of values, a Func<object?> or a nested SearchSpace."),
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
        return current is int or long ? (long)perturbed : perturbed;
    }

    private static int IndexOf(IReadOnlyList<object?> values, object? current)
    {
        for (int i = 0; i < values.Count; i++)
            if (JsonValues.ValueEquals(values[i], current))
                return i;
        return -1;
    }
}
