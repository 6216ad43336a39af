using System.Buffers;
using System.Text;
using System.Text.Json;

namespace TuneSharp.Storage;

/// <summary>
/// Formats results as <c>result.json</c> lines and <c>progress.csv</c> rows in buffers that are reused for every
/// result. One formatter serves all the result writers of an experiment: only the controller's thread writes
/// results, one at a time, and per-trial buffers were most of what a short trial allocated.
/// </summary>
internal sealed class ResultFormatter : IDisposable
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    // Stateful, so that a character split across two of the StringBuilder's chunks (a surrogate pair) is encoded whole.
    private readonly Encoder _encoder = Utf8.GetEncoder();
    private readonly ArrayBufferWriter<byte> _bytes = new(1024);
    private readonly Utf8JsonWriter _json;
    private readonly List<KeyValuePair<string, object?>> _flat = new();
    private readonly Dictionary<string, object?> _values = new();
    private readonly StringBuilder _text = new();

    public ResultFormatter() =>
        _json = new Utf8JsonWriter(_bytes, new JsonWriterOptions { Encoder = JsonDefaults.Options.Encoder });

    /// <summary>The <c>result.json</c> line for <paramref name="result"/>; valid until the next call.</summary>
    public ReadOnlySpan<byte> JsonLine(IReadOnlyDictionary<string, object?> result)
    {
        _bytes.ResetWrittenCount();
        _json.Reset(_bytes);
        ResultRecord.WriteJson(_json, result, bareNonFinite: true);
        _json.Flush();
        _bytes.Write("\n"u8);
        return _bytes.WrittenSpan;
    }

    /// <summary><paramref name="result"/> flattened (<see cref="ResultRecord.FlattenInto"/>); valid until the next call.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Flatten(IReadOnlyDictionary<string, object?> result)
    {
        _flat.Clear();
        ResultRecord.FlattenInto(result, _flat);
        return _flat;
    }

    /// <summary>The CSV row of <paramref name="flat"/> under <paramref name="columns"/> (empty cells for the columns it
    /// lacks), after the header line if <paramref name="withHeader"/> (one write for a new file's first result);
    /// valid until the next call.</summary>
    public ReadOnlySpan<byte> CsvRow(IReadOnlyList<string> columns, IReadOnlyList<KeyValuePair<string, object?>> flat, bool withHeader = false)
    {
        _values.Clear();
        foreach (var (key, value) in flat)
            _values[key] = value;
        _text.Clear();
        if (withHeader)
            ResultRecord.AppendCsvHeader(_text, columns).Append('\n');
        for (int i = 0; i < columns.Count; i++)
        {
            if (i > 0) _text.Append(',');
            if (_values.TryGetValue(columns[i], out object? value))
                ResultRecord.AppendCsvField(_text, value);
        }
        return Line();
    }

    private ReadOnlySpan<byte> Line()
    {
        _text.Append('\n');
        _bytes.ResetWrittenCount();
        _encoder.Reset();
        foreach (ReadOnlyMemory<char> chunk in _text.GetChunks())
        {
            Span<byte> target = _bytes.GetSpan(Utf8.GetMaxByteCount(chunk.Length));
            _bytes.Advance(_encoder.GetBytes(chunk.Span, target, flush: false));
        }
        Span<byte> rest = _bytes.GetSpan(Utf8.GetMaxByteCount(0));
        _bytes.Advance(_encoder.GetBytes(ReadOnlySpan<char>.Empty, rest, flush: true));
        return _bytes.WrittenSpan;
    }

    public void Dispose() => _json.Dispose();
}
