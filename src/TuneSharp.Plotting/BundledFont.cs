using System.Reflection;
using ScottPlot;
using SkiaSharp;

namespace TuneSharp.Plotting;

/// <summary>
/// The font every plot of this library draws its text with: DejaVu Sans 2.37, embedded in the assembly.
/// Without it ScottPlot falls back to the system's fonts, and on a machine with none (typical CI images)
/// it silently draws no text at all.
/// </summary>
/// <remarks>
/// DejaVu fonts are © Bitstream, Inc. (Bitstream Vera licence) with public-domain DejaVu changes and glyphs
/// © Tavmjong Bah (Arev licence); the full text ships as the embedded resource
/// <c>TuneSharp.Plotting.Fonts.DejaVu-LICENSE.txt</c> and as <c>Fonts/DejaVu-LICENSE.txt</c> in the sources.
/// </remarks>
public static class BundledFont
{
    /// <summary>
    /// The family name under which the bundled font is registered with ScottPlot. It is deliberately not
    /// "DejaVu Sans", so that a system copy of that font can never be picked instead.
    /// </summary>
    public const string FamilyName = "TuneSharp DejaVu Sans";

    private static readonly SKTypeface Regular = Load("DejaVuSans.ttf");
    private static readonly SKTypeface Bold = Load("DejaVuSans-Bold.ttf");
    private static readonly Lock RegistrationLock = new();
    private static bool registered;

    /// <summary>
    /// Makes every text element of <paramref name="plot"/> (title, axis labels, tick labels, legend) use the
    /// bundled font. Call it after all axes and the legend are set up.
    /// </summary>
    /// <param name="plot">The plot to restyle.</param>
    public static void ApplyTo(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        EnsureRegistered();
        Use(plot.Axes.Title.Label);
        foreach (IAxis axis in plot.Axes.GetAxes())
        {
            Use(axis.Label);
            Use(axis.TickLabelStyle);
        }
        // Legend items are rebuilt on each render; this override is applied to each of them.
        plot.Legend.FontName = FamilyName;
    }

    /// <summary>Registers the bundled typefaces with ScottPlot's font lookup, once per process.</summary>
    internal static void EnsureRegistered()
    {
        lock (RegistrationLock)
        {
            if (!registered)
            {
                // First in the list: ScottPlot asks resolvers in order, and the system one enumerates all
                // installed families on every miss.
                Fonts.FontResolvers.Insert(0, new Resolver());
                registered = true;
            }
        }
    }

    private static void Use(LabelStyle style)
    {
        // A set typeface would override the name lookup and lose the bold variant of the title.
        style.Font = null;
        style.FontName = FamilyName;
    }

    private static SKTypeface Load(string file)
    {
        string name = "TuneSharp.Plotting.Fonts." + file;
        using Stream stream = typeof(BundledFont).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded font resource '{name}' is missing.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        using SKData data = SKData.CreateCopy(memory.ToArray());
        return SKTypeface.FromData(data)
            ?? throw new InvalidOperationException($"Embedded font resource '{name}' could not be loaded.");
    }

    /// <summary>Answers ScottPlot's lookups of <see cref="FamilyName"/>; italics fall back to upright.</summary>
    private sealed class Resolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            fontName == FamilyName ? (weight >= FontWeight.SemiBold ? Bold : Regular) : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            CreateTypeface(fontName, bold ? FontWeight.Bold : FontWeight.Normal, FontSlant.Upright, FontSpacing.Normal);
    }
}
