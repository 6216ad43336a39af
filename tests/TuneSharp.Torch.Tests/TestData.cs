namespace TuneSharp.Torch.Tests;

/// <summary>Where tests cache the real FashionMNIST: $TUNESHARP_DATA, else a folder in the temp dir shared by test runs.</summary>
internal static class TestData
{
    public static string FashionMnistDir
    {
        get
        {
            string? root = Environment.GetEnvironmentVariable("TUNESHARP_DATA");
            return Path.Combine(string.IsNullOrEmpty(root) ? Path.Combine(Path.GetTempPath(), "tunesharp-data") : root, "fashion-mnist");
        }
    }
}
