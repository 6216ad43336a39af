using TuneSharp.Results;

namespace TuneSharp.Plotting;

/// <summary>Plots of a <see cref="ResultGrid"/>: the seed's learning curves, one line per trial.</summary>
public static class ResultGridPlots
{
    /// <summary>
    /// Saves <paramref name="metric"/> against <paramref name="xAxis"/> for every trial that reported it
    /// (the seed's <c>d.mean_accuracy.plot(ax=ax)</c> loop), as a PNG or SVG chosen by the extension.
    /// </summary>
    /// <exception cref="ArgumentException">No trial reported a finite value of <paramref name="metric"/>.</exception>
    public static void PlotMetric(this ResultGrid grid, string metric, string path,
        string xAxis = ResultFields.TrainingIteration, string? title = null)
    {
        var series = new List<CurveSeries>();
        foreach (Result result in grid)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var row in result.ReadHistory())
            {
                if (ResultFields.TryGetDouble(row, metric, out double y) && ResultFields.TryGetDouble(row, xAxis, out double x))
                {
                    xs.Add(x);
                    ys.Add(y);
                }
            }
            // A trial whose values are all NaN or infinite has no point to draw; with no such point anywhere the plot
            // would be a blank image.
            if (xs.Zip(ys).Any(p => double.IsFinite(p.First) && double.IsFinite(p.Second)))
                series.Add(new CurveSeries(result.TrialName, xs, ys));
        }
        if (series.Count == 0)
            throw new ArgumentException($"No trial in {grid.ExperimentPath} reported a finite '{metric}' together with '{xAxis}'; nothing to plot.", nameof(metric));
        LearningCurvePlot.Save(path, series, title ?? $"{metric} per trial", xAxis, metric);
    }
}
