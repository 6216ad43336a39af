using MathNet.Numerics.Distributions;
using TuneSharp.Search.Encoding;

namespace TuneSharp.Search.CmaEs;

/// <summary>
/// Maps the encoded parameters' internal coordinates (log-warped for log domains) onto the unit cube that CMA-ES
/// searches, so one step size fits every parameter whatever its units (Hansen 2016, appendix C, recommends
/// scaling the variables so that one σ₀ suits all of them).
/// </summary>
internal sealed class UnitCube(EncodedSpace space)
{
    public EncodedSpace Space { get; } = space;

    public int Dimension => Space.Parameters.Count;

    /// <summary>The cube coordinate of an internal coordinate.</summary>
    public double ToCube(int p, double x) => Space.Parameters[p].ToUnit(x);

    /// <summary>The internal coordinates of a cube point; discrete parameters stay unsnapped here, BuildConfig snaps them.</summary>
    public double[] ToInternal(ReadOnlySpan<double> u)
    {
        var x = new double[u.Length];
        for (int p = 0; p < u.Length; p++)
            x[p] = Space.Parameters[p].FromUnit(u[p]);
        return x;
    }

    /// <summary>The trial config of a cube point: grid parameters are snapped, continuous ones kept inside their bounds.</summary>
    public Config BuildConfig(ReadOnlySpan<double> u, IReadOnlyDictionary<string, object?>? preset = null) =>
        Space.BuildConfig(ToInternal(u), preset);

    /// <summary>
    /// A floor on the marginal standard deviation of each grid parameter, so that the search never freezes an
    /// integer before it has compared its neighbours. It follows the margin of Hamano et al. 2022, "CMA-ES with
    /// Margin" (GECCO): a candidate should leave the mean's grid cell on one side with probability at least
    /// α = 1/(nλ), i.e. σ √C_ii ≥ (cell width / 2) / Φ⁻¹(1 - α). CMA-ES with Margin moves the mean's marginals with a
    /// separate diagonal matrix; raising the deviation only is the simpler half of the same idea. 0 for continuous parameters.
    /// </summary>
    public double[] MinStd(ReadOnlySpan<double> mean, int population)
    {
        var floor = new double[Dimension];
        double alpha = 1.0 / (Dimension * population);
        double z = Normal.InvCDF(0, 1, 1 - alpha);
        for (int p = 0; p < Dimension; p++)
        {
            EncodedParameter parameter = Space.Parameters[p];
            if (parameter.Kind != ParameterKind.Discrete)
                continue;
            var (low, high) = parameter.Cell(parameter.FromUnit(mean[p]));
            floor[p] = (high - low) / (parameter.High - parameter.Low) / 2 / z;
        }
        return floor;
    }
}
