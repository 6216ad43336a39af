using Google.Protobuf;

namespace TuneSharp.Reporting.TensorBoard;

/// <summary>
/// One protobuf message, built field by field. The wire encoding is Google.Protobuf's; the messages themselves are
/// written without generated classes because TensorBoard reads only a handful of their fields, each written by
/// number where it is used (the numbers are those of TensorFlow's <c>event.proto</c> and <c>summary.proto</c> and
/// TensorBoard's hparams protos), which spares the build a protoc step.
/// </summary>
internal sealed class ProtoMessage
{
    private readonly MemoryStream _buffer = new();
    private readonly CodedOutputStream _output;

    public ProtoMessage() => _output = new CodedOutputStream(_buffer, leaveOpen: true);

    public ProtoMessage Double(int field, double value) => Field(field, WireFormat.WireType.Fixed64, o => o.WriteDouble(value));

    public ProtoMessage Float(int field, float value) => Field(field, WireFormat.WireType.Fixed32, o => o.WriteFloat(value));

    public ProtoMessage Int64(int field, long value) => Field(field, WireFormat.WireType.Varint, o => o.WriteInt64(value));

    /// <summary>An enum, an int32 or a bool: all varints on the wire.</summary>
    public ProtoMessage Varint(int field, int value) => Field(field, WireFormat.WireType.Varint, o => o.WriteInt32(value));

    public ProtoMessage String(int field, string value) => Field(field, WireFormat.WireType.LengthDelimited, o => o.WriteString(value));

    public ProtoMessage Bytes(int field, byte[] value) =>
        Field(field, WireFormat.WireType.LengthDelimited, o => o.WriteBytes(ByteString.CopyFrom(value)));

    public ProtoMessage Message(int field, ProtoMessage message) => Bytes(field, message.ToArray());

    private ProtoMessage Field(int field, WireFormat.WireType type, Action<CodedOutputStream> write)
    {
        _output.WriteTag(field, type);
        write(_output);
        return this;
    }

    public byte[] ToArray()
    {
        _output.Flush();
        return _buffer.ToArray();
    }
}
