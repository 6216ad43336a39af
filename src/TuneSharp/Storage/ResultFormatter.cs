using System.Buffers;
using System.Text.Json;

namespace TuneSharp.Storage;

/// <summary>
/// Formats results as <c>result.json</c> lines (<see cref="ResultRecord.WriteJson"/> and a newline), reusing one
/// buffer and one JSON writer: the controller formats every result of every trial.
/// </summary>
internal sealed class ResultLine : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    public ResultLine() =>
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JsonDefaults.Options.Encoder });

    /// <summary>The line for <paramref name="result"/>; valid until the next call.</summary>
    public ReadOnlySpan<byte> Format(IReadOnlyDictionary<string, object?> result)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        ResultRecord.WriteJson(_writer, result);
        _writer.Flush();
        _buffer.Write("\n"u8);
        return _buffer.WrittenSpan;
    }

    public void Dispose() => _writer.Dispose();
}
