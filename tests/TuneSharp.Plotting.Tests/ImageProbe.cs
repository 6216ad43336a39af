using SkiaSharp;

namespace TuneSharp.Plotting.Tests;

/// <summary>Pixel measurements on a rendered plot, used to prove that text was really drawn.</summary>
internal sealed class ImageProbe : IDisposable
{
    private readonly SKBitmap bitmap;

    public ImageProbe(string path)
    {
        bitmap = SKBitmap.Decode(path) ?? throw new InvalidOperationException($"'{path}' is not a decodable image.");
    }

    public int Width => bitmap.Width;

    public int Height => bitmap.Height;

    public bool IsDark(int x, int y)
    {
        SKColor c = bitmap.GetPixel(x, y);
        return c.Alpha > 128 && (c.Red + c.Green + c.Blue) / 3 < 128;
    }

    /// <summary>Not near-white: also catches coloured text such as a secondary axis label drawn in orange.</summary>
    public bool IsInk(int x, int y)
    {
        SKColor c = bitmap.GetPixel(x, y);
        return c.Alpha > 128 && (c.Red + c.Green + c.Blue) / 3 < 200;
    }

    /// <summary>Counts dark pixels in the rectangle [x0, x1) × [y0, y1).</summary>
    public int CountDark(int x0, int y0, int x1, int y1) => Count(x0, y0, x1, y1, IsDark);

    /// <summary>Counts non-white pixels in the rectangle [x0, x1) × [y0, y1).</summary>
    public int CountInk(int x0, int y0, int x1, int y1) => Count(x0, y0, x1, y1, IsInk);

    private static int Count(int x0, int y0, int x1, int y1, Func<int, int, bool> test)
    {
        int n = 0;
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                n += test(x, y) ? 1 : 0;
            }
        }
        return n;
    }

    /// <summary>
    /// The data-area frame is the only thing drawn as long solid dark lines, so the first and last rows/columns
    /// that are mostly dark bound it; text never fills half a row.
    /// </summary>
    public (int Left, int Top, int Right, int Bottom) FindFrame()
    {
        bool Row(int y) => CountDark(0, y, Width, y + 1) > Width / 2;
        bool Col(int x) => CountDark(x, 0, x + 1, Height) > Height / 2;
        int top = Enumerable.Range(0, Height).First(Row);
        int bottom = Enumerable.Range(0, Height).Last(Row);
        int left = Enumerable.Range(0, Width).First(Col);
        int right = Enumerable.Range(0, Width).Last(Col);
        return (left, top, right, bottom);
    }

    public void Dispose() => bitmap.Dispose();
}
