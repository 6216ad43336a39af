namespace TuneSharp.Search.Encoding;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, fast generator whose whole state is one number. Every
/// suggestion gets its own stream seeded from the searcher's seed and the suggestion's number, so a restored
/// searcher only needs those two numbers to draw exactly what the original would have (System.Random's seeded
/// constructor alone costs microseconds, more than a small TPE step).
/// </summary>
internal sealed class SplitMix64(ulong state)
{
    private ulong _state = state;

    /// <summary>The stream of suggestion <paramref name="index"/> under <paramref name="seed"/>.</summary>
    public static SplitMix64 Stream(int seed, long index) =>
        new(Mix(unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ Mix(unchecked((ulong)index + 0x632BE59BD9B4E019UL))));

    /// <summary>A uniform number in [0, 1) with 53 random bits.</summary>
    public double NextDouble()
    {
        _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
        return (Mix(_state) >> 11) * (1.0 / (1UL << 53));
    }

    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
