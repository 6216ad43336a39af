using System.Buffers.Binary;
using System.IO.Hashing;
using Google.Protobuf;

namespace TuneSharp.Reporting.TensorBoard;

/// <summary>
/// A TensorBoard event file (<c>events.out.tfevents.*</c>): <c>Event</c> messages in TFRecord framing, each record
/// its length, the length's masked CRC-32C, the data and the data's masked CRC-32C (TensorFlow's
/// <c>record_writer.cc</c>). The first event names the format version, as every TensorFlow writer's does.
/// </summary>
internal sealed class EventFile : IDisposable
{
    /// <summary>How event files' names begin (TensorBoard finds them by it).</summary>
    public const string FilePrefix = "events.out.tfevents.";

    private static int s_files;
    private readonly FileStream _stream;
    private byte[] _scratch = new byte[1024];

    public string Path { get; }

    public EventFile(string directory, DateTimeOffset now)
    {
        // A file per trial start (as Ray's). Host, process and a counter keep two files of one second apart; the counter
        // is padded so that the files sort by name in the order they were written, which is the order TensorBoard reads.
        Path = System.IO.Path.Combine(directory,
            $"{FilePrefix}{now.ToUnixTimeSeconds():D10}.{Environment.MachineName}.{Environment.ProcessId}.{Interlocked.Increment(ref s_files):D6}");
        _stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        Write(new ProtoMessage().Double(EventField.WallTime, WallTime(now)).String(EventField.FileVersion, "brain.Event:2"));
        Flush();
    }

    /// <summary>An <c>Event</c> at <paramref name="step"/> carrying <paramref name="summary"/>.</summary>
    public void WriteSummary(DateTimeOffset now, long step, ProtoMessage summary) =>
        Write(new ProtoMessage().Double(EventField.WallTime, WallTime(now)).Int64(EventField.Step, step).Message(EventField.Summary, summary));

    /// <summary>
    /// An <c>Event</c> at <paramref name="step"/> whose <c>Summary</c> holds every scalar as a <c>simple_value</c> (what
    /// tensorboardX's <c>add_scalar</c> writes). This runs for every result on the controller's thread, so the message is
    /// written in one pass into a reused buffer, its nested lengths computed first, rather than built from nested
    /// <see cref="ProtoMessage"/>s (which cost about ten buffers per result).
    /// </summary>
    public void WriteScalars(DateTimeOffset now, long step, IReadOnlyList<(string Tag, float Value)> scalars)
    {
        const int ValueTag = 1, ValueSimple = 2, SummaryValue = 1;
        int summarySize = 0;
        foreach (var (tag, _) in scalars)
        {
            int valueSize = ValueSize(tag);
            summarySize += CodedOutputStream.ComputeTagSize(SummaryValue) + CodedOutputStream.ComputeLengthSize(valueSize) + valueSize;
        }
        int eventSize = CodedOutputStream.ComputeTagSize(EventField.WallTime) + 8
            + CodedOutputStream.ComputeTagSize(EventField.Step) + CodedOutputStream.ComputeInt64Size(step)
            + CodedOutputStream.ComputeTagSize(EventField.Summary) + CodedOutputStream.ComputeLengthSize(summarySize) + summarySize;
        if (_scratch.Length < eventSize)
            _scratch = new byte[Math.Max(eventSize, 2 * _scratch.Length)];
        var output = new CodedOutputStream(_scratch);
        output.WriteTag(EventField.WallTime, WireFormat.WireType.Fixed64);
        output.WriteDouble(WallTime(now));
        output.WriteTag(EventField.Step, WireFormat.WireType.Varint);
        output.WriteInt64(step);
        output.WriteTag(EventField.Summary, WireFormat.WireType.LengthDelimited);
        output.WriteLength(summarySize);
        foreach (var (tag, value) in scalars)
        {
            output.WriteTag(SummaryValue, WireFormat.WireType.LengthDelimited);
            output.WriteLength(ValueSize(tag));
            output.WriteTag(ValueTag, WireFormat.WireType.LengthDelimited);
            output.WriteString(tag);
            output.WriteTag(ValueSimple, WireFormat.WireType.Fixed32);
            output.WriteFloat(value);
        }
        output.Flush();
        WriteRecord(_scratch.AsSpan(0, eventSize));

        static int ValueSize(string tag) => CodedOutputStream.ComputeTagSize(ValueTag) + CodedOutputStream.ComputeStringSize(tag)
            + CodedOutputStream.ComputeTagSize(ValueSimple) + 4;
    }

    public void Flush() => _stream.Flush();

    public void Dispose() => _stream.Dispose();

    private void Write(ProtoMessage message) => WriteRecord(message.ToArray());

    private void WriteRecord(ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc(data));
        _stream.Write(header);
        _stream.Write(data);
        _stream.Write(footer);
    }

    /// <summary>TFRecord's masked CRC-32C (TensorFlow's <c>crc32c::Mask</c>): rotated right by 15 bits plus a constant,
    /// so that a CRC of data that itself holds CRCs stays well spread.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    private static double WallTime(DateTimeOffset now) => now.ToUnixTimeMilliseconds() / 1000.0;
}

/// <summary>Field numbers of TensorFlow's <c>Event</c> message (<c>tensorflow/core/util/event.proto</c>).</summary>
internal static class EventField
{
    public const int WallTime = 1;
    public const int Step = 2;
    public const int FileVersion = 3;
    public const int Summary = 5;
}
