using System.Text.Json.Nodes;

namespace TuneSharp.Search.Encoding;

/// <summary>Numbers and vectors in the searchers' saved states. JSON has no NaN or infinity: an inactive parameter
/// is null, an infinite loss the string "Infinity" or "-Infinity".</summary>
internal static class StateJson
{
    public static JsonArray Vector(ReadOnlySpan<double> x)
    {
        var array = new JsonArray();
        foreach (double v in x)
            array.Add(Number(v));
        return array;
    }

    public static JsonNode? Number(double v) => double.IsNaN(v) ? null
        : double.IsFinite(v) ? JsonValue.Create(v)
        : JsonValue.Create(v > 0 ? "Infinity" : "-Infinity");

    public static double ReadNumber(JsonNode? node) => node switch
    {
        null => double.NaN,
        JsonValue value when value.TryGetValue(out string? text) => text == "Infinity" ? double.PositiveInfinity : double.NegativeInfinity,
        _ => node.GetValue<double>(),
    };

    public static double[] ReadVector(JsonNode node) => node.AsArray().Select(ReadNumber).ToArray();

    /// <summary>Parameter keys for messages ('\0' separates a nested category's index).</summary>
    public static string Describe(IEnumerable<string> keys) => string.Join(", ", keys.Select(k => k.Replace('\0', '#')));
}
