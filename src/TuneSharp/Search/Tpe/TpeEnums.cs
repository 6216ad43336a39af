namespace TuneSharp.Search;

/// <summary>How <see cref="TpeSearch"/> sizes the good group from the number of observations n.</summary>
public enum TpeSplit
{
    /// <summary>ceil(<see cref="TpeSearch.Gamma"/> · n), Optuna's default_gamma.</summary>
    Linear,
    /// <summary>ceil(<see cref="TpeSearch.Gamma"/> · √n), hyperopt's.</summary>
    Sqrt,
}

/// <summary>How <see cref="TpeSearch"/> weighs the observations inside each Parzen estimator.</summary>
public enum TpeWeighting
{
    /// <summary>Every observation counts the same.</summary>
    Uniform,
    /// <summary>Beyond 25 observations, older ones count linearly less (Optuna's default_weights, hyperopt's
    /// linear forgetting).</summary>
    OlderSmaller,
}
