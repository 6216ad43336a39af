using System.Buffers.Binary;
using Google.Protobuf;
using TuneSharp.Reporting.TensorBoard;

namespace TuneSharp.Tests.Reporting.TensorBoard;

/// <summary>Reads event files back for the tests: checks each record's framing and CRCs, and splits each protobuf
/// message into its fields by number (what a TensorBoard reader does before it looks at a field).</summary>
internal static class EventFileReader
{
    public static List<ProtoFields> ReadRecords(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var records = new List<ProtoFields>();
        int at = 0;
        while (at < bytes.Length)
        {
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at, 8));
            Assert.Equal(EventFile.MaskedCrc(bytes.AsSpan(at, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)));
            var data = bytes.AsSpan(at + 12, (int)length);
            Assert.Equal(EventFile.MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length, 4)));
            records.Add(ProtoFields.Parse(data.ToArray()));
            at += 12 + (int)length + 4;
        }
        return records;
    }
}

/// <summary>A protobuf message's fields: field number → its values in order (varints as long, fixed64 as double,
/// fixed32 as float, length-delimited as bytes).</summary>
internal sealed class ProtoFields
{
    private readonly Dictionary<int, List<object>> _fields = new();

    public static ProtoFields Parse(byte[] message)
    {
        var fields = new ProtoFields();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            object value = WireFormat.GetTagWireType(tag) switch
            {
                WireFormat.WireType.Varint => input.ReadInt64(),
                WireFormat.WireType.Fixed64 => input.ReadDouble(),
                WireFormat.WireType.Fixed32 => input.ReadFloat(),
                WireFormat.WireType.LengthDelimited => input.ReadBytes().ToByteArray(),
                var other => throw new InvalidDataException($"wire type {other}"),
            };
            int number = WireFormat.GetTagFieldNumber(tag);
            if (!fields._fields.TryGetValue(number, out var list))
                fields._fields[number] = list = [];
            list.Add(value);
        }
        return fields;
    }

    public bool Has(int field) => _fields.ContainsKey(field);
    public IReadOnlyList<object> All(int field) => _fields.GetValueOrDefault(field) ?? [];
    public long Varint(int field) => (long)_fields[field].Single();
    public double Double(int field) => (double)_fields[field].Single();
    public float Float(int field) => (float)_fields[field].Single();
    public string String(int field) => System.Text.Encoding.UTF8.GetString((byte[])_fields[field].Single());
    public ProtoFields Message(int field) => Parse((byte[])_fields[field].Single());
    public IEnumerable<ProtoFields> Messages(int field) => All(field).Select(b => Parse((byte[])b));
}
