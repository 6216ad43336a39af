namespace TuneSharp.Plotting.Tests;

public sealed class LearningCurvePlotTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    private static List<CurveSeries> Curves(int count) =>
        [.. Enumerable.Range(0, count).Select(t => CurveSeries.FromValues(
            $"trial_{t}", [.. Enumerable.Range(1, 20).Select(i => 1.0 / i + 0.1 * t)]))];

    [Fact]
    public void Save_ThreeSeriesPng_WritesPngOfRequestedSize()
    {
        string path = dir.File("curves.png");

        LearningCurvePlot.Save(path, Curves(3), "Validation loss", "Iteration", "Loss", width: 640, height: 400);

        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        using var image = new ImageProbe(path);
        Assert.Equal(640, image.Width);
        Assert.Equal(400, image.Height);
    }

    [Fact]
    public void Save_FiniteValuesTooFarApartToDraw_AreRefusedNamingThem()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            LearningCurvePlot.Save(dir.File("wide.png"), [new CurveSeries("a", [1, 2, 3], [1e308, -1e308, 0])], "t", "x", "y"));

        Assert.Contains("Y values run from -1E+308 to 1E+308", error.Message);
    }

    [Fact]
    public void SaveWithSecondaryAxis_XValuesTooFarApartAcrossTheTwoSeries_AreRefused()
    {
        // Each series alone spans a drawable range; the shared X axis must hold both.
        var primary = new CurveSeries("a", [-1e308, 0], [1, 2]);
        var secondary = new CurveSeries("b", [0, 1e308], [1, 2]);

        var error = Assert.Throws<ArgumentException>(() => LearningCurvePlot.SaveWithSecondaryAxis(dir.File("wide2.png"),
            primary, secondary, "t", "x", "y1", "y2"));

        Assert.Contains("X values", error.Message);
    }

    [Fact]
    public void Save_ExtremeXOnlyAtPointsWithoutAY_IsDrawn()
    {
        // The extreme X values have no finite Y: those points are skipped, so nothing too wide is drawn.
        LearningCurvePlot.Save(dir.File("skip.png"), [new CurveSeries("a", [-1e308, 1, 2, 1e308], [double.NaN, 1, 2, double.NaN])], "t", "x", "y");

        Assert.True(File.Exists(dir.File("skip.png")));
    }

    [Fact]
    public void Save_WithTitle_DrawsTitleAboveTheData()
    {
        // Without a usable font ScottPlot still reserves the space but draws no glyphs, so count ink, not layout.
        string with = dir.File("title.png");
        string without = dir.File("no-title.png");
        LearningCurvePlot.Save(with, Curves(3), "Validation loss per trial", "Iteration", "Loss");
        LearningCurvePlot.Save(without, Curves(3), "", "Iteration", "Loss");

        Assert.True(InkAboveFrame(with) > 300, $"title ink {InkAboveFrame(with)}");
        Assert.True(InkAboveFrame(without) < 20, $"ink above frame without title {InkAboveFrame(without)}");
    }

    [Fact]
    public void Save_WithAxisLabels_DrawsLabelsAndTickLabels()
    {
        string with = dir.File("labels.png");
        string without = dir.File("no-labels.png");
        LearningCurvePlot.Save(with, Curves(3), "", "Training iteration", "Validation loss");
        LearningCurvePlot.Save(without, Curves(3), "", "", "");

        using var a = new ImageProbe(with);
        using var b = new ImageProbe(without);
        var fa = a.FindFrame();
        var fb = b.FindFrame();
        int belowA = a.CountDark(0, fa.Bottom + 2, a.Width, a.Height);
        int belowB = b.CountDark(0, fb.Bottom + 2, b.Width, b.Height);
        int leftA = a.CountDark(0, 0, fa.Left - 1, a.Height);
        int leftB = b.CountDark(0, 0, fb.Left - 1, b.Height);
        // Tick labels are text too: even the unlabelled plot has ink beside its axes.
        Assert.True(belowB > 100 && leftB > 100, $"tick label ink below {belowB}, left {leftB}");
        Assert.True(belowA > belowB + 200, $"x label ink {belowA} vs {belowB}");
        Assert.True(leftA > leftB + 200, $"y label ink {leftA} vs {leftB}");
    }

    [Fact]
    public void Save_Svg_ContainsTitleTextInBundledFont()
    {
        string path = dir.File("curves.SVG");

        LearningCurvePlot.Save(path, Curves(3), "Validation loss per trial", "Iteration", "Loss");

        string svg = File.ReadAllText(path);
        Assert.Contains("<svg", svg);
        Assert.Contains("Validation loss per trial", svg);
        Assert.Contains("trial_2", svg);
        Assert.Contains("font-family=\"DejaVu Sans\"", svg);
    }

    [Fact]
    public void Save_MoreThanMaxLegendEntries_OmitsLegend()
    {
        // The legend sits right of the data area, so without it the frame reaches further right.
        string few = dir.File("few.png");
        string many = dir.File("many.png");
        LearningCurvePlot.Save(few, Curves(LearningCurvePlot.MaxLegendEntries), "t", "x", "y");
        LearningCurvePlot.Save(many, Curves(LearningCurvePlot.MaxLegendEntries + 1), "t", "x", "y");

        using var a = new ImageProbe(few);
        using var b = new ImageProbe(many);
        Assert.True(b.FindFrame().Right > a.FindFrame().Right + 50);
    }

    [Fact]
    public void Save_MissingFolder_IsCreated()
    {
        string path = System.IO.Path.Combine(dir.Path, "trial_1", "plots", "curves.png");

        LearningCurvePlot.Save(path, Curves(1), "t", "x", "y");

        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Save_NonFiniteValues_AreSkipped()
    {
        string png = dir.File("nan.png");
        string svg = dir.File("nan.svg");
        CurveSeries gaps = new("gaps", [1, 2, 3, double.NaN, 5], [1.0, double.NaN, 0.5, 0.4, double.PositiveInfinity]);
        CurveSeries allNaN = CurveSeries.FromValues("all_nan", [double.NaN, double.NaN]);

        LearningCurvePlot.Save(png, [gaps, allNaN], "Gaps", "x", "y");
        LearningCurvePlot.Save(svg, [gaps, allNaN], "Gaps", "x", "y");

        using var image = new ImageProbe(png);
        Assert.Equal((800, 500), (image.Width, image.Height));
        string xml = File.ReadAllText(svg);
        Assert.Contains("gaps", xml);
        Assert.DoesNotContain("all_nan", xml);
        Assert.DoesNotContain("NaN", xml); // no non-finite coordinate reached the drawing
    }

    [Fact]
    public void Save_OnlyNonFiniteValues_ThrowsInsteadOfABlankImage()
    {
        CurveSeries allNaN = CurveSeries.FromValues("all_nan", [double.NaN, double.PositiveInfinity]);

        var ex = Assert.Throws<ArgumentException>(() => LearningCurvePlot.Save(dir.File("blank.png"), [allNaN], "t", "x", "y"));

        Assert.Contains("NaN or infinite", ex.Message);
        Assert.False(File.Exists(dir.File("blank.png")));
    }

    [Fact]
    public void Save_NoSeries_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => LearningCurvePlot.Save(dir.File("a.png"), [], "t", "x", "y"));
        Assert.Equal("series", ex.ParamName);
        Assert.Contains("At least one series", ex.Message);
    }

    [Fact]
    public void Save_MismatchedLengths_ThrowsNamingTheSeries()
    {
        CurveSeries bad = new("trial_b", [1, 2, 3], [0.5, 0.4]);

        var ex = Assert.Throws<ArgumentException>(() =>
            LearningCurvePlot.Save(dir.File("a.png"), [.. Curves(1), bad], "t", "x", "y"));

        Assert.Contains("'trial_b' (series[1])", ex.Message);
        Assert.Contains("3 X values but 2 Y values", ex.Message);
    }

    [Fact]
    public void Save_SeriesWithoutPoints_ThrowsNamingTheSeries()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            LearningCurvePlot.Save(dir.File("a.png"), [new CurveSeries("empty_trial", [], [])], "t", "x", "y"));

        Assert.Contains("'empty_trial'", ex.Message);
        Assert.Contains("no points", ex.Message);
    }

    [Fact]
    public void Save_NullSeriesElement_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            LearningCurvePlot.Save(dir.File("a.png"), [.. Curves(1), null!], "t", "x", "y"));

        Assert.Contains("series[1] is null", ex.Message);
    }

    [Theory]
    [InlineData("plot.gif")]
    [InlineData("plot")]
    public void Save_UnsupportedExtension_Throws(string file)
    {
        var ex = Assert.Throws<ArgumentException>(() => LearningCurvePlot.Save(dir.File(file), Curves(1), "t", "x", "y"));

        Assert.Equal("path", ex.ParamName);
        Assert.Contains(".png", ex.Message);
        Assert.False(File.Exists(dir.File(file)));
    }

    [Fact]
    public void Save_ZeroWidth_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            LearningCurvePlot.Save(dir.File("a.png"), Curves(1), "t", "x", "y", width: 0));
    }

    [Fact]
    public void SaveWithSecondaryAxis_Png_DrawsRightAxisLabel()
    {
        double[] it = [.. Enumerable.Range(1, 30).Select(i => (double)i)];
        CurveSeries metric = new("mean_accuracy", it, [.. it.Select(i => 1 - 1 / i)]);
        CurveSeries lr = new("lr", it, [.. it.Select(i => i < 15 ? 0.01 : 0.008)]);
        string with = dir.File("pbt.png");
        string without = dir.File("pbt-no-label.png");

        LearningCurvePlot.SaveWithSecondaryAxis(with, metric, lr, "Trial 3", "Iteration", "Accuracy", "Learning rate");
        LearningCurvePlot.SaveWithSecondaryAxis(without, metric, lr, "Trial 3", "Iteration", "Accuracy", "");

        using var a = new ImageProbe(with);
        using var b = new ImageProbe(without);
        Assert.Equal((800, 500), (a.Width, a.Height));
        int rightA = a.CountInk(a.FindFrame().Right + 2, 0, a.Width, a.Height);
        int rightB = b.CountInk(b.FindFrame().Right + 2, 0, b.Width, b.Height);
        // The right axis has its own tick labels; its label (orange, like its line) adds clearly more ink.
        Assert.True(rightB > 300, $"right tick label ink {rightB}");
        Assert.True(rightA > rightB + 300, $"right label ink {rightA} vs {rightB}");
        Assert.True(InkAboveFrame(with) > 100, $"title ink {InkAboveFrame(with)}");
    }

    [Fact]
    public void SaveWithSecondaryAxis_Svg_ContainsBothLabels()
    {
        string path = dir.File("pbt.svg");

        LearningCurvePlot.SaveWithSecondaryAxis(path, CurveSeries.FromValues("loss", [3, 2, 1]),
            CurveSeries.FromValues("lr", [0.1, 0.1, 0.05]), "PBT trial", "Iteration", "Loss", "Learning rate",
            secondaryAsSteps: false);

        string svg = File.ReadAllText(path);
        Assert.Contains("PBT trial", svg);
        Assert.Contains("Learning rate", svg);
    }

    [Fact]
    public void SaveWithSecondaryAxis_MismatchedSecondary_ThrowsNamingTheSeries()
    {
        var ex = Assert.Throws<ArgumentException>(() => LearningCurvePlot.SaveWithSecondaryAxis(dir.File("a.png"),
            CurveSeries.FromValues("loss", [3, 2, 1]), new CurveSeries("lr", [1, 2, 3], [0.1]),
            "t", "x", "y1", "y2"));

        Assert.Equal("secondary", ex.ParamName);
        Assert.Contains("'lr' (secondary)", ex.Message);
    }

    private static int InkAboveFrame(string path)
    {
        using var image = new ImageProbe(path);
        return image.CountDark(0, 0, image.Width, image.FindFrame().Top - 1);
    }
}
