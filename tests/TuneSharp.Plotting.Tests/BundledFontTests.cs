using ScottPlot;
using SkiaSharp;

namespace TuneSharp.Plotting.Tests;

public sealed class BundledFontTests
{
    [Fact]
    public void ApplyTo_RegistersEmbeddedRegularAndBoldDejaVuSans()
    {
        BundledFont.ApplyTo(new Plot());

        // The family name exists on no system, so these can only come from the embedded files.
        SKTypeface regular = Fonts.GetTypeface(BundledFont.FamilyName, bold: false, italic: false);
        SKTypeface bold = Fonts.GetTypeface(BundledFont.FamilyName, bold: true, italic: false);

        Assert.Equal("DejaVu Sans", regular.FamilyName);
        Assert.Equal("DejaVu Sans", bold.FamilyName);
        Assert.True(regular.FontStyle.Weight < (int)SKFontStyleWeight.SemiBold);
        Assert.True(bold.FontStyle.Weight >= (int)SKFontStyleWeight.Bold);
        Assert.True(regular.ContainsGlyphs("Loss 0.123 µ"));
    }

    [Fact]
    public void ApplyTo_SetsFontOnEveryTextElement()
    {
        var plot = new Plot();

        BundledFont.ApplyTo(plot);

        Assert.Equal(BundledFont.FamilyName, plot.Axes.Title.Label.FontName);
        Assert.Equal(BundledFont.FamilyName, plot.Legend.FontName);
        Assert.All(plot.Axes.GetAxes(), axis =>
        {
            Assert.Equal(BundledFont.FamilyName, axis.Label.FontName);
            Assert.Equal(BundledFont.FamilyName, axis.TickLabelStyle.FontName);
        });
    }

    [Fact]
    public void Assembly_EmbedsFontLicence()
    {
        using Stream? stream = typeof(BundledFont).Assembly.GetManifestResourceStream(
            "TuneSharp.Plotting.Fonts.DejaVu-LICENSE.txt");

        Assert.NotNull(stream);
        string text = new StreamReader(stream).ReadToEnd();
        Assert.Contains("Bitstream Vera Fonts Copyright", text);
        Assert.Contains("DejaVu changes are in public domain", text);
    }
}
