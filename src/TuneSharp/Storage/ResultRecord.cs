using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TuneSharp.Storage;

/// <summary>Writes a result as one JSON line and flattens it for CSV and data frames.</summary>
internal static class ResultRecord
{
    /// <summary>Writes <paramref name="value"/> as JSON. JSON has no NaN or infinity: with <paramref name="bareNonFinite"/>
    /// they are written bare, as Python's json module writes them and Ray's <c>result.json</c> holds them (so that Python
    /// tools read numbers back), else as the strings <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>, which every
    /// JSON reader accepts (TuneSharp's own state files). <see cref="JsonValues.QuoteNonFinite"/> reads both.</summary>
    public static void WriteJson(Utf8JsonWriter writer, object? value, bool bareNonFinite = false)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case double d when !double.IsFinite(d): WriteNonFinite(writer, d, bareNonFinite); break;
            case float f when !float.IsFinite(f): WriteNonFinite(writer, f, bareNonFinite); break;
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
                    WriteJson(writer, item, bareNonFinite);
                }
                writer.WriteEndObject();
                break;
            case IDictionary dict:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dict)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!);
                    WriteJson(writer, entry.Value, bareNonFinite);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (object? item in list)
                    WriteJson(writer, item, bareNonFinite);
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteNonFinite(Utf8JsonWriter writer, double value, bool bare)
    {
        string text = double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
        if (bare)
            writer.WriteRawValue(text, skipInputValidation: true); // not JSON, but Python's (and Ray's) spelling
        else
            writer.WriteStringValue(text);
    }

    /// <summary>A finite float as Python writes it: a whole value keeps its ".0" (1.0, not 1), so that it reads back as
    /// a float (here and in pandas) rather than turning a float column into an integer one. Formatted on the stack:
    /// every result and every state snapshot holds several, and a string per number (and the writer's check of raw
    /// JSON) added up.</summary>
    internal static void WriteFloat<T>(Utf8JsonWriter writer, T value) where T : IUtf8SpanFormattable
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
        var text = new StringBuilder();
        AppendCsvField(text, value);
        return text.ToString();
    }

    /// <summary>Appends the CSV header line of <paramref name="columns"/>, without its line end.</summary>
    public static StringBuilder AppendCsvHeader(StringBuilder text, IReadOnlyList<string> columns)
    {
        for (int i = 0; i < columns.Count; i++)
        {
            if (i > 0) text.Append(',');
            AppendCsvField(text, columns[i]);
        }
        return text;
    }

    /// <summary>Appends <paramref name="value"/> as <see cref="ToCsvField"/> spells it. Numbers, the bulk of every
    /// result, are formatted on the stack: the controller writes a CSV row per result.</summary>
    public static void AppendCsvField(StringBuilder row, object? value)
    {
        switch (value)
        {
            case null: return;
            case bool b: row.Append(b ? "True" : "False"); return;
            case double d when double.IsNaN(d): row.Append("nan"); return;
            case double d: AppendFloat(row, d); return;
            case float f: AppendFloat(row, f); return;
            // Digits and a minus sign only: never quoted.
            case long l: AppendInvariant(row, l); return;
            case int i: AppendInvariant(row, i); return;
            case string s: AppendQuotedIfNeeded(row, s); return;
        }
        string text = value switch
        {
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            IEnumerable => JsonSerializer.Serialize(value, JsonDefaults.Options),
            _ => value.ToString() ?? "",
        };
        AppendQuotedIfNeeded(row, text);
    }

    private static void AppendQuotedIfNeeded(StringBuilder row, string text)
    {
        if (!text.AsSpan().ContainsAny(CsvSpecial))
            row.Append(text);
        else
            row.Append('"').Append(text.Replace("\"", "\"\"")).Append('"');
    }

    private static void AppendInvariant<T>(StringBuilder row, T value) where T : ISpanFormattable =>
        row.Append(FormatInvariant(value, null, stackalloc char[24]));

    /// <summary>A float as <see cref="WriteFloat"/> spells it (1.0, not 1; NaN and infinities as .NET names them).</summary>
    private static void AppendFloat<T>(StringBuilder row, T value) where T : ISpanFormattable
    {
        ReadOnlySpan<char> text = FormatInvariant(value, "R", stackalloc char[40]);
        row.Append(text);
        if (!text.ContainsAnyExcept("-0123456789"))
            row.Append(".0");
    }

    private static Span<char> FormatInvariant<T>(T value, string? format, Span<char> text) where T : ISpanFormattable =>
        value.TryFormat(text, out int length, format, CultureInfo.InvariantCulture)
            ? text[..length]
            : throw new InvalidOperationException($"{value} did not fit in {text.Length} characters.");
}
