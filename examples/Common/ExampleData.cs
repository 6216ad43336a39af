using TuneSharp.Torch;

namespace TuneSharp.Examples;

/// <summary>The FashionMNIST examples' common start: TorchSharp made ready, then the data subset loaded once.</summary>
public static class ExampleData
{
    /// <summary>Prepares TorchSharp (before any torch call: libtorch made loadable on this system, OpenMP kept
    /// from spinning) and loads the seeded subset of FashionMNIST that every trial shares.</summary>
    public static Task<FashionMnistData> LoadFashionMnistAsync(string? dataDir, int trainSize, int testSize, int seed,
        TextWriter output, CancellationToken cancellationToken)
    {
        TorchThreads.ConfigureEnvironment(cpus: 1);
        LibTorchCompatibility.EnsureLoadable();
        string folder = dataDir ?? FashionMnist.DefaultDataDir;
        output.WriteLine($"Loading FashionMNIST from {folder} ({trainSize} training and {testSize} test images)...");
        return FashionMnist.LoadAsync(folder, trainSize, testSize, seed, cancellationToken);
    }
}
