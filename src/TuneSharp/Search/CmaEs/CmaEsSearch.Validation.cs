using TuneSharp.Search.Encoding;

namespace TuneSharp.Search;

public sealed partial class CmaEsSearch
{
    private void ValidateOptions()
    {
        static TuneException Bad(string option, object value, string fix) => new($"CmaEsSearch.{option} is {value}; {fix}");
        if (Sigma0 is double sigma && (!(sigma > 0) || sigma > 1 || !double.IsFinite(sigma)))
            throw Bad(nameof(Sigma0), sigma, "use a fraction of each parameter's range in (0, 1], e.g. 1/6 (the default, null).");
        if (PopulationSize is int population && population < 2)
            throw Bad(nameof(PopulationSize), population, "use at least 2 candidates per generation, or null for 4 + ⌊3 ln n⌋.");
        ObservedSearch.ValidatePoints(nameof(CmaEsSearch), PointsToEvaluate, EvaluatedRewards);
    }

    // CMA-ES samples a multivariate normal over bounded real coordinates: a categorical has no order for it to move
    // along, and an unbounded normal has no range to scale into the unit cube.
    private static void ValidateSpace(EncodedSpace space)
    {
        foreach (EncodedParameter parameter in space.Parameters)
        {
            if (parameter.Kind == ParameterKind.Categorical)
                throw new TuneException(
                    $"Search space parameter '{parameter.ConfigPath}' is a categorical {parameter.Domain}, which CmaEsSearch cannot model: " +
                    "CMA-ES searches numeric parameters only (a choice of nested spaces is categorical too). " +
                    $"Use TpeSearch or BayesOptSearch for this space, or fix '{parameter.ConfigPath}' to one value.");
            if (parameter.IsNormalPrior)
                throw new TuneException(
                    $"Search space parameter '{parameter.ConfigPath}' is {parameter.Domain}, an unbounded normal, which CmaEsSearch cannot model: " +
                    $"it searches inside each parameter's bounds. Use Tune.Uniform (or Tune.QUniform) with bounds for '{parameter.ConfigPath}', e.g. mean ± 3 standard deviations.");
        }
        if (space.Parameters.Count == 0)
            throw new TuneException(
                "CmaEsSearch found no parameter to search: the search space holds only constants or Tune.SampleFrom functions. " +
                "Add a numeric parameter such as Tune.Uniform(0, 1), or use the default BasicVariantGenerator.");
    }
}
