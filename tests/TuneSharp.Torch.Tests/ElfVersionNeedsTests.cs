namespace TuneSharp.Torch.Tests;

public sealed class ElfVersionNeedsTests
{
    private static string RealLibrary()
    {
        string? path = LibTorchCompatibility.FindLibraries().FirstOrDefault();
        Assert.NotNull(path);
        return path;
    }

    [Fact]
    public void Read_RealLibTorchSharp_ListsLibStdCxxAndLibcNeeds()
    {
        var needs = ElfVersionNeeds.Read(RealLibrary());

        Assert.Contains(needs, n => n.File == "libstdc++.so.6" && n.Version == "GLIBCXX_3.4");
        Assert.Contains(needs, n => n.File == "libstdc++.so.6" && n.Version == "GLIBCXX_3.4.32");
        Assert.Contains(needs, n => n.File == "libc.so.6" && n.Version == "GLIBC_2.2.5");
        // Only std::ios_base_library_init() carries GLIBCXX_3.4.32, and nothing binds it.
        Assert.Empty(needs.Single(n => n.Version == "GLIBCXX_3.4.32").RelocatedSymbols);
        Assert.NotEmpty(needs.Single(n => n.Version == "GLIBCXX_3.4").RelocatedSymbols);
    }

    [Fact]
    public void ReadDefinitions_SystemLibStdCxx_ListsGlibcxxVersions()
    {
        string? libstdcxx = LibTorchCompatibility.FindSystemLibStdCxx();
        Assert.NotNull(libstdcxx);

        var defs = ElfVersionNeeds.ReadDefinitions(libstdcxx);

        Assert.Contains("GLIBCXX_3.4", defs);
        Assert.Contains("CXXABI_1.3", defs);
        Assert.DoesNotContain(defs, d => d.StartsWith("libstdc++", StringComparison.Ordinal));
    }
}
