using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TuneSharp;

/// <summary>Shared JSON settings: compact, invariant, NaN and infinity allowed (metrics can be NaN).</summary>
internal static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new PythonFloatConverter() },
    };

    /// <summary>
    /// Writes a whole double as Python does (<c>1.0</c>, not <c>1</c>), so that it reads back as a double: a config's
    /// float hyperparameter that happens to be whole (a clamped 1.0) would otherwise come back from params.json or a
    /// state file as an integer, and PBT would then perturb it as one. NaN and infinities as named strings.
    /// </summary>
    private sealed class PythonFloatConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String
                ? (double)JsonValues.ToValue(JsonDocument.ParseValue(ref reader).RootElement)!
                : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
                Storage.ResultRecord.WriteFloat(writer, value);
            else
                writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    public static readonly JsonSerializerOptions Indented = new(Options) { WriteIndented = true };

    /// <summary>For converting a config value to a caller's type through JSON (Config.Get): whole floats as plain
    /// numbers, so that 64.0 still reads into an int.</summary>
    public static readonly JsonSerializerOptions Conversion = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>Turns parsed JSON back into the plain values a <see cref="Config"/> or a result holds.</summary>
internal static class JsonValues
{
    public static Dictionary<string, object?> ToDictionary(JsonElement element)
    {
        var result = new Dictionary<string, object?>();
        foreach (JsonProperty property in element.EnumerateObject())
            result[property.Name] = ToValue(property.Value);
        return result;
    }

    public static object? ToValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ToDictionary(element),
        JsonValueKind.Array => element.EnumerateArray().Select(ToValue).ToList(),
        JsonValueKind.String => ParseNamedFloat(element.GetString()!),
        // Cast before the conditional: otherwise C# widens the long to double.
        JsonValueKind.Number => element.TryGetInt64(out long l) ? (object)l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>
    /// <paramref name="json"/> with the bare NaN, Infinity and -Infinity that Python's json module writes (and Ray's
    /// <c>result.json</c> holds) quoted, so that System.Text.Json, which reads none of them, parses it; the quoted forms
    /// read back as numbers (<see cref="ToValue"/>). Text inside strings is left alone.
    /// </summary>
    public static string QuoteNonFinite(string json)
    {
        if (json.AsSpan().IndexOfAny('N', 'I') < 0)
            return json;
        System.Text.StringBuilder? quoted = null;
        int copied = 0;
        bool inString = false, escaped = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                if (escaped) escaped = false;
                else if (c == '\\') escaped = true;
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"')
            {
                inString = true;
                continue;
            }
            string? token = json.AsSpan(i).StartsWith("NaN") ? "NaN" : json.AsSpan(i).StartsWith("Infinity") ? "Infinity"
                : json.AsSpan(i).StartsWith("-Infinity") ? "-Infinity" : null;
            if (token is null)
                continue;
            quoted ??= new System.Text.StringBuilder(json.Length + 8);
            quoted.Append(json, copied, i - copied).Append('"').Append(token).Append('"');
            i += token.Length - 1;
            copied = i + 1;
        }
        return quoted is null ? json : quoted.Append(json, copied, json.Length - copied).ToString();
    }

    // NaN and infinities are written as strings (or quoted by QuoteNonFinite); read them back as numbers.
    private static object ParseNamedFloat(string s) => s switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => s,
    };

    /// <summary>A double from a JSON node, including NaN and infinities written as strings.</summary>
    public static double ReadDouble(System.Text.Json.Nodes.JsonNode node) =>
        node.GetValueKind() == JsonValueKind.String
            ? (double)ParseNamedFloat(node.GetValue<string>())
            : node.GetValue<double>();

    /// <summary>Equality of config values, with numbers compared by value (1, 1L and 1.0 are equal), as they
    /// may come back from JSON as another numeric type.</summary>
    public static bool ValueEquals(object? a, object? b) =>
        TryGetDouble(a, out double x) && TryGetDouble(b, out double y) ? x == y : Equals(a, b);

    /// <summary>A number as double, when the value is numeric.</summary>
    public static bool TryGetDouble(object? value, out double result)
    {
        switch (value)
        {
            case double d: result = d; return true;
            case float f: result = f; return true;
            case int i: result = i; return true;
            case long l: result = l; return true;
            case decimal m: result = (double)m; return true;
            case short s: result = s; return true;
            case byte b: result = b; return true;
            case uint ui: result = ui; return true;
            case ulong ul: result = ul; return true;
            case bool bo: result = bo ? 1 : 0; return true;
            default: result = double.NaN; return false;
        }
    }
}
