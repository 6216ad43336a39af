using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace TuneSharp.Storage;

/// <summary>Writes a result as one JSON line and flattens it for CSV and data frames.</summary>
internal static class ResultRecord
{
    public static void WriteJson(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            // JSON has no NaN; write it as Ray's own JSON readers accept it and ours reads back: "NaN".
            case double d when !double.IsFinite(d): writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture)); break;
            case float f when !float.IsFinite(f): writer.WriteStringValue(f.ToString(CultureInfo.InvariantCulture)); break;
            case double d: WriteFloat(writer, d); break;
            case float f: WriteFloat(writer, f); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case decimal m: writer.WriteNumberValue(m); break;
            case short or byte or uint or ushort or sbyte: writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case ulong ul: writer.WriteNumberValue(ul); break;
            case IEnumerable<KeyValuePair<string, object?>> dict:
                writer.WriteStartObject();
                foreach (var (key, item) in dict)
                {
                    writer.WritePropertyName(key);
                    WriteJson(writer, item);
                }
                writer.WriteEndObject();
                break;
            case IDictionary dict:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dict)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!);
                    WriteJson(writer, entry.Value);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (object? item in list)
                    WriteJson(writer, item);
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>A finite float as <see cref="FloatText"/> spells it, formatted on the stack: every result and every
    /// state snapshot holds several, and a string per number (and the writer's check of raw JSON) added up.</summary>
    private static void WriteFloat<T>(Utf8JsonWriter writer, T value) where T : IUtf8SpanFormattable
    {
        Span<byte> text = stackalloc byte[40]; // the longest round-trip form of a double is 24 bytes
        if (!value.TryFormat(text, out int length, "R", CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"{value} did not fit in {text.Length} bytes.");
        if (!text[..length].ContainsAnyExcept("-0123456789"u8))
        {
            ".0"u8.CopyTo(text[length..]);
            length += 2;
        }
        writer.WriteRawValue(text[..length], skipInputValidation: true); // a finite number's round-trip form is valid JSON
    }

    /// <summary>A finite float as Python writes it: a whole value keeps its ".0" (1.0, not 1), so that it reads
    /// back as a float (here and in pandas) rather than turning a float column into an integer one.</summary>
    private static string FloatText(string roundTrip) =>
        roundTrip.AsSpan().ContainsAnyExcept("-0123456789") ? roundTrip : roundTrip + ".0";

    /// <summary>Adds the entries of <paramref name="result"/> to <paramref name="into"/>, nested dictionaries flattened
    /// with '/' (Ray's <c>config/lr</c>). A list rather than an iterator: the controller flattens every result.</summary>
    public static void FlattenInto(IReadOnlyDictionary<string, object?> result, List<KeyValuePair<string, object?>> into, string prefix = "")
    {
        foreach (var (key, value) in result)
        {
            if (value is IReadOnlyDictionary<string, object?> nested)
                FlattenInto(nested, into, prefix + key + "/");
            else
                into.Add(new(prefix + key, value));
        }
    }

    /// <summary><paramref name="result"/> with nested dictionaries flattened with '/'.</summary>
    public static Dictionary<string, object?> Flatten(IReadOnlyDictionary<string, object?> result)
    {
        var flat = new List<KeyValuePair<string, object?>>(result.Count);
        FlattenInto(result, flat);
        return flat.ToDictionary();
    }

    private static readonly System.Buffers.SearchValues<char> CsvSpecial = System.Buffers.SearchValues.Create(",\"\n\r");

    /// <summary>A value as pandas reads it back from CSV (Python's spelling of booleans and NaN).</summary>
    public static string ToCsvField(object? value)
    {
        string text = value switch
        {
            null => "",
            bool b => b ? "True" : "False",
            double d when double.IsNaN(d) => "nan",
            double d => FloatText(d.ToString("R", CultureInfo.InvariantCulture)),
            float f => FloatText(f.ToString("R", CultureInfo.InvariantCulture)),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            IEnumerable and not string => JsonSerializer.Serialize(value, JsonDefaults.Options),
            _ => value.ToString() ?? "",
        };
        return text.AsSpan().ContainsAny(CsvSpecial) ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;
    }
}
