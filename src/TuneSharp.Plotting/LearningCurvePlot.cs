using ScottPlot;

namespace TuneSharp.Plotting;

/// <summary>
/// Saves learning curves (a metric against training iterations, one line per trial) as image files.
/// All text uses <see cref="BundledFont"/>, so plots look the same on machines without fonts.
/// </summary>
public static class LearningCurvePlot
{
    /// <summary>A legend is drawn only up to this many series; beyond it the legend would hide the plot.</summary>
    public const int MaxLegendEntries = 12;

    /// <summary>File extensions <see cref="Save"/> and <see cref="SaveWithSecondaryAxis"/> accept (case-insensitive).</summary>
    public static IReadOnlyList<string> SupportedExtensions { get; } = [".png", ".svg", ".jpg", ".jpeg", ".bmp", ".webp"];

    /// <summary>
    /// Draws one line per series and saves the figure; the format follows the extension of <paramref name="path"/>
    /// (see <see cref="SupportedExtensions"/>). Non-finite points are skipped (the line joins their neighbours),
    /// and a series left with no points is not drawn. A legend, outside the data area on the right, is shown for
    /// at most <see cref="MaxLegendEntries"/> series.
    /// </summary>
    /// <param name="path">Output file, overwritten if present; missing folders are created.</param>
    /// <param name="series">The curves; at least one, each with equally long, non-empty X and Y.</param>
    /// <param name="title">Figure title; empty for none.</param>
    /// <param name="xLabel">Horizontal axis label; empty for none.</param>
    /// <param name="yLabel">Vertical axis label; empty for none.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <exception cref="ArgumentException">An argument is empty, malformed or of an unsupported format; the message names the offending series.</exception>
    public static void Save(string path, IEnumerable<CurveSeries> series, string title, string xLabel, string yLabel,
        int width = 800, int height = 500)
    {
        ValidateOutput(path, width, height);
        ArgumentNullException.ThrowIfNull(series);
        List<CurveSeries> all = [.. series];
        if (all.Count == 0)
        {
            throw new ArgumentException("At least one series is required to draw a learning curve.", nameof(series));
        }
        for (int i = 0; i < all.Count; i++)
        {
            Validate(all[i], $"{nameof(series)}[{i}]", nameof(series));
        }
        if (!all.Any(s => s.X.Zip(s.Y).Any(p => double.IsFinite(p.First) && double.IsFinite(p.Second))))
        {
            // Non-finite points are skipped; with nothing else the image would be blank.
            throw new ArgumentException("Every point of every series is NaN or infinite; there is nothing to draw.", nameof(series));
        }
        CheckSpan(all, nameof(series));

        Plot plot = NewPlot(title, xLabel, yLabel);
        // Category10 (matplotlib's default) repeats after 10 colours, which would make legend entries ambiguous.
        plot.Add.Palette = all.Count <= 10 ? new ScottPlot.Palettes.Category10() : new ScottPlot.Palettes.Tsitsulin();
        bool legend = all.Count <= MaxLegendEntries;
        for (int i = 0; i < all.Count; i++)
        {
            // Thinner lines keep dozens of overlapping trials readable.
            AddLine(plot, all[i], i, legend ? 2 : 1);
        }
        if (legend && all.Any(s => s.Label.Length > 0))
        {
            plot.ShowLegend(Edge.Right);
        }
        else
        {
            // ScottPlot shows its in-plot legend by itself once lines have labels.
            plot.HideLegend();
        }
        Render(plot, path, width, height);
    }

    /// <summary>
    /// Draws one trial's metric against the left axis and a second quantity, typically a hyperparameter such as
    /// the learning rate as changed by PBT, against the right axis, sharing the horizontal axis; then saves the
    /// figure in the format given by the extension of <paramref name="path"/>. Each axis label takes its line's colour.
    /// </summary>
    /// <param name="path">Output file, overwritten if present; missing folders are created.</param>
    /// <param name="primary">Series for the left axis, e.g. the metric per iteration.</param>
    /// <param name="secondary">Series for the right axis, e.g. <c>lr</c> per iteration.</param>
    /// <param name="title">Figure title; empty for none.</param>
    /// <param name="xLabel">Horizontal axis label; empty for none.</param>
    /// <param name="primaryYLabel">Left axis label; empty for none.</param>
    /// <param name="secondaryYLabel">Right axis label; empty for none.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="secondaryAsSteps">
    /// Draw the secondary series as a step line (each value holds until the next one), which is how a hyperparameter
    /// changed between iterations behaves; false draws straight segments.
    /// </param>
    /// <exception cref="ArgumentException">An argument is empty, malformed or of an unsupported format; the message names the offending series.</exception>
    public static void SaveWithSecondaryAxis(string path, CurveSeries primary, CurveSeries secondary, string title,
        string xLabel, string primaryYLabel, string secondaryYLabel, int width = 800, int height = 500,
        bool secondaryAsSteps = true)
    {
        ValidateOutput(path, width, height);
        Validate(primary, nameof(primary), nameof(primary));
        Validate(secondary, nameof(secondary), nameof(secondary));
        ArgumentNullException.ThrowIfNull(secondaryYLabel);
        CheckSpan([primary, secondary], nameof(secondary), checkY: false); // one X axis for both
        CheckSpan([primary], nameof(primary), checkX: false);
        CheckSpan([secondary], nameof(secondary), checkX: false);

        Plot plot = NewPlot(title, xLabel, primaryYLabel);
        plot.Axes.Right.Label.Text = secondaryYLabel;
        ScottPlot.Plottables.Scatter? left = AddLine(plot, primary, 0, 2);
        ScottPlot.Plottables.Scatter? right = AddLine(plot, secondary, 1, 2);
        if (left is not null)
        {
            plot.Axes.Left.Label.ForeColor = left.Color;
        }
        if (right is not null)
        {
            right.Axes.YAxis = plot.Axes.Right;
            right.ConnectStyle = secondaryAsSteps ? ConnectStyle.StepHorizontal : ConnectStyle.Straight;
            plot.Axes.Right.Label.ForeColor = right.Color;
        }
        if (primary.Label.Length > 0 || secondary.Label.Length > 0)
        {
            // Below the figure, so it cannot cover either curve or crowd the right axis.
            plot.ShowLegend(Edge.Bottom);
        }
        else
        {
            plot.HideLegend();
        }
        Render(plot, path, width, height);
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(xLabel);
        ArgumentNullException.ThrowIfNull(yLabel);
        var plot = new Plot();
        plot.Axes.Title.Label.Text = title;
        plot.Axes.Title.IsVisible = title.Length > 0;
        plot.Axes.Bottom.Label.Text = xLabel;
        plot.Axes.Left.Label.Text = yLabel;
        return plot;
    }

    private static ScottPlot.Plottables.Scatter? AddLine(Plot plot, CurveSeries s, int index, float lineWidth)
    {
        var xs = new List<double>(s.X.Count);
        var ys = new List<double>(s.Y.Count);
        for (int i = 0; i < s.X.Count; i++)
        {
            if (double.IsFinite(s.X[i]) && double.IsFinite(s.Y[i]))
            {
                xs.Add(s.X[i]);
                ys.Add(s.Y[i]);
            }
        }
        if (xs.Count == 0)
        {
            return null;
        }
        // Colour by position, not by lines drawn so far, so a skipped series does not shift the others' colours.
        ScottPlot.Plottables.Scatter line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), plot.Add.Palette.GetColor(index));
        line.LegendText = s.Label;
        line.LineWidth = lineWidth;
        // A lone point would be invisible without a marker.
        line.MarkerSize = xs.Count == 1 ? 6 : 0;
        return line;
    }

    private static void Render(Plot plot, string path, int width, int height)
    {
        BundledFont.ApplyTo(plot);
        // Plots usually go into a fresh results folder; creating it spares every caller the same line.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.Save(path, width, height);
    }

    private static void ValidateOutput(string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (!SupportedExtensions.Contains(ext))
        {
            throw new ArgumentException(
                $"Cannot tell the image format of '{path}': use one of {string.Join(", ", SupportedExtensions)}.", nameof(path));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
    }

    /// <summary>Finite values whose range a double cannot hold (1e308 and -1e308) leave ScottPlot no axis to draw: refused
    /// here with the values named, not with ScottPlot's InvalidOperationException from inside the drawing.</summary>
    private static void CheckSpan(IReadOnlyList<CurveSeries> series, string paramName, bool checkX = true, bool checkY = true)
    {
        // Only the points that are drawn: both coordinates finite.
        var drawn = series.SelectMany(s => s.X.Zip(s.Y)).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToList();
        var axes = new List<(string, IEnumerable<double>)>();
        if (checkX) axes.Add(("X", drawn.Select(p => p.First)));
        if (checkY) axes.Add(("Y", drawn.Select(p => p.Second)));
        foreach (var (axis, values) in axes)
        {
            var finite = values.ToList();
            if (finite.Count > 0 && !double.IsFinite(finite.Max() - finite.Min()))
                throw new ArgumentException($"The {axis} values run from {finite.Min():G3} to {finite.Max():G3}, a range too wide to draw. " +
                    "Leave out or clip the extreme points, or plot them on a log scale.", paramName);
        }
    }

    private static void Validate(CurveSeries? s, string where, string paramName)
    {
        if (s is null)
        {
            throw new ArgumentException($"{where} is null.", paramName);
        }
        if (s.Label is null)
        {
            throw new ArgumentException($"{where} has a null Label; use an empty string for no legend entry.", paramName);
        }
        string name = s.Label.Length > 0 ? $"'{s.Label}' ({where})" : where;
        if (s.X is null || s.Y is null)
        {
            throw new ArgumentException($"Series {name} has null {(s.X is null ? "X" : "Y")} values.", paramName);
        }
        if (s.X.Count != s.Y.Count)
        {
            throw new ArgumentException(
                $"Series {name} has {s.X.Count} X values but {s.Y.Count} Y values; they must pair up.", paramName);
        }
        if (s.X.Count == 0)
        {
            throw new ArgumentException($"Series {name} has no points.", paramName);
        }
    }
}
