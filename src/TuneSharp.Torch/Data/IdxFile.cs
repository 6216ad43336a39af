using System.Buffers.Binary;
using System.IO.Compression;

namespace TuneSharp.Torch;

/// <summary>
/// Reads and writes the IDX format of the MNIST family (big-endian header, then unsigned bytes):
/// images are magic 0x00000803 with count, rows and columns; labels are 0x00000801 with count.
/// </summary>
internal static class IdxFile
{
    private const int ImagesMagic = 0x0803, LabelsMagic = 0x0801;

    /// <summary>Reads an image file (optionally gzip-compressed, decided by the .gz suffix).</summary>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        byte[] data = ReadAll(path);
        int[] header = Header(data, path, ImagesMagic, 3);
        return (Body(data, 16, (long)header[0] * header[1] * header[2], path), header[0], header[1], header[2]);
    }

    /// <summary>Reads a label file (optionally gzip-compressed).</summary>
    public static byte[] ReadLabels(string path)
    {
        byte[] data = ReadAll(path);
        int[] header = Header(data, path, LabelsMagic, 1);
        return Body(data, 8, header[0], path);
    }

    /// <summary>Encodes an image file: <paramref name="pixels"/> holds count × rows × columns bytes.</summary>
    public static byte[] EncodeImages(ReadOnlySpan<byte> pixels, int count, int rows, int columns)
    {
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        pixels.CopyTo(bytes.AsSpan(16));
        return bytes;
    }

    /// <summary>Encodes a label file.</summary>
    public static byte[] EncodeLabels(ReadOnlySpan<byte> labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes.AsSpan(8));
        return bytes;
    }

    private static byte[] ReadAll(string path)
    {
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            return File.ReadAllBytes(path);
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }

    private static int[] Header(byte[] data, string path, int magic, int dimensions)
    {
        int headerLength = 4 + 4 * dimensions;
        if (data.Length < headerLength || BinaryPrimitives.ReadInt32BigEndian(data) != magic)
            throw new InvalidDataException($"{path} is not an IDX file with magic 0x{magic:x8}.");
        var sizes = new int[dimensions];
        for (int i = 0; i < dimensions; i++)
        {
            sizes[i] = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4 + 4 * i));
            if (sizes[i] < 0) throw new InvalidDataException($"{path}: negative dimension in IDX header.");
        }
        return sizes;
    }

    private static byte[] Body(byte[] data, int offset, long length, string path)
    {
        if (data.Length - offset != length)
            throw new InvalidDataException($"{path}: header promises {length} data bytes, the file has {data.Length - offset}.");
        return data[offset..];
    }
}
