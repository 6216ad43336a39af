using TuneSharp.Search.Encoding;

namespace TuneSharp.Search.Bohb;

/// <summary>
/// BOHB's coordinates: every numeric parameter scaled to [0, 1] over its internal (log-warped, half-step-widened for
/// grids) range, as hpbandster's ConfigSpace vectors are, so one <c>MinBandwidth</c> means the same on every axis;
/// a categorical stays the index of its category. NaN marks an inactive (nested) parameter.
/// </summary>
internal static class UnitScale
{
    public static double ToUnit(EncodedParameter parameter, double x) =>
        parameter.Kind == ParameterKind.Categorical || double.IsNaN(x) ? x : parameter.ToUnit(x);

    /// <summary>The internal coordinate of a unit value, on the parameter's grid and inside its bounds.</summary>
    public static double FromUnit(EncodedParameter parameter, double u) =>
        parameter.Kind == ParameterKind.Categorical ? u : parameter.Snap(parameter.FromUnit(u));

    public static double[] ToUnit(EncodedSpace space, ReadOnlySpan<double> x)
    {
        var u = new double[x.Length];
        for (int p = 0; p < u.Length; p++)
            u[p] = ToUnit(space.Parameters[p], x[p]);
        return u;
    }
}
