namespace TuneSharp.Plotting;

/// <summary>
/// One line of a learning-curve plot: paired <see cref="X"/> (e.g. training iteration) and
/// <see cref="Y"/> (e.g. a metric) values. Non-finite points (NaN, ±∞) are skipped when drawing.
/// </summary>
/// <param name="Label">Legend text for the line, e.g. a trial id; empty for no legend entry.</param>
/// <param name="X">Horizontal values; must have as many elements as <paramref name="Y"/>.</param>
/// <param name="Y">Vertical values; must have as many elements as <paramref name="X"/>.</param>
public sealed record CurveSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>
    /// Creates a series whose X values are the 1-based positions of <paramref name="y"/>,
    /// the usual layout of a metric reported once per training iteration.
    /// </summary>
    /// <param name="label">Legend text for the line.</param>
    /// <param name="y">The values, in reporting order.</param>
    /// <returns>A series with X = 1, 2, …, y.Count.</returns>
    public static CurveSeries FromValues(string label, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(y);
        var x = new double[y.Count];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = i + 1;
        }
        return new CurveSeries(label, x, y);
    }
}
