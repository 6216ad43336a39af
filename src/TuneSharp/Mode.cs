namespace TuneSharp;

/// <summary>Whether a metric is to be minimised or maximised (Ray Tune's <c>mode="min"|"max"</c>).</summary>
public enum Mode
{
    /// <summary>Lower is better.</summary>
    Min,
    /// <summary>Higher is better.</summary>
    Max,
}

/// <summary>Helpers that turn a <see cref="Mode"/> into arithmetic once, so algorithms always maximise.</summary>
public static class ModeExtensions
{
    /// <summary>+1 for <see cref="Mode.Max"/>, -1 for <see cref="Mode.Min"/>: multiply a metric by it and maximise.</summary>
    public static double Sign(this Mode mode) => mode == Mode.Max ? 1.0 : -1.0;

    /// <summary>Whether <paramref name="candidate"/> is strictly better than <paramref name="incumbent"/>.</summary>
    public static bool IsBetter(this Mode mode, double candidate, double incumbent) =>
        mode == Mode.Max ? candidate > incumbent : candidate < incumbent;

    /// <summary>The lower-case name Ray Tune uses ("min" or "max").</summary>
    public static string ToRayString(this Mode mode) => mode == Mode.Max ? "max" : "min";
}
