using static TorchSharp.torch;

namespace TuneSharp.Torch.Tests;

public sealed class LibTorchCompatibilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tunesharp-elf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string SystemLibStdCxx() => LibTorchCompatibility.FindSystemLibStdCxx() ?? throw new InvalidOperationException("no libstdc++");

    private static List<string> MissingVersions(string library)
    {
        var available = ElfVersionNeeds.ReadDefinitions(SystemLibStdCxx()).ToHashSet();
        return ElfVersionNeeds.Read(library)
            .Where(n => n.File == "libstdc++.so.6" && !available.Contains(n.Version))
            .Select(n => n.Version).Order(StringComparer.Ordinal).ToList();
    }

    private string FreshCopy()
    {
        // The copy in bin/ may already be patched by another test: weaken nothing, compare with the package's.
        string original = LibTorchCompatibility.FindLibraries()[0];
        string copy = Path.Combine(_dir, LibTorchCompatibility.LibraryFileName);
        File.Copy(original, copy);
        var needs = ElfVersionNeeds.Read(copy);
        if (needs.Any(n => n.IsWeak))
        {
            // Undo an earlier patch so the test always starts from the shipped state.
            byte[] bytes = File.ReadAllBytes(copy);
            foreach (var n in needs.Where(n => n.IsWeak))
                bytes[OffsetOf(bytes, n)] &= unchecked((byte)~ElfVersionNeed.WeakFlag);
            File.WriteAllBytes(copy, bytes);
        }
        Assert.DoesNotContain(ElfVersionNeeds.Read(copy), n => n.IsWeak);
        return copy;
    }

    private static int OffsetOf(byte[] bytes, ElfVersionNeed need) =>
        new ElfImage(bytes, "copy").VersionNeeds().Single(e => e.File == need.File && e.Version == need.Version).FlagsOffset;

    [Fact]
    public void EnsureLoadable_CopyOfShippedLibrary_WeakensExactlyTheMissingVersions()
    {
        string copy = FreshCopy();
        byte[] before = File.ReadAllBytes(copy);
        var missing = MissingVersions(copy);

        var report = LibTorchCompatibility.EnsureLoadable([copy], SystemLibStdCxx());

        Assert.Equal(missing.Count > 0 ? LibTorchCompatibilityStatus.Patched : LibTorchCompatibilityStatus.Compatible, report.Status);
        Assert.Equal(missing, report.WeakVersions);
        var after = ElfVersionNeeds.Read(copy);
        Assert.Equal(missing, after.Where(n => n.IsWeak).Select(n => n.Version).Order(StringComparer.Ordinal));
        byte[] bytes = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, bytes.Length);
        Assert.Equal(missing.Count, before.Zip(bytes).Count(p => p.First != p.Second)); // one flag byte per entry
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void EnsureLoadable_CalledTwice_SecondCallChangesNothing()
    {
        string copy = FreshCopy();
        LibTorchCompatibility.EnsureLoadable([copy], SystemLibStdCxx());
        byte[] once = File.ReadAllBytes(copy);

        var second = LibTorchCompatibility.EnsureLoadable([copy], SystemLibStdCxx());

        Assert.Equal(once, File.ReadAllBytes(copy));
        Assert.NotEqual(LibTorchCompatibilityStatus.Patched, second.Status);
        Assert.Empty(ElfVersionNeeds.MarkWeak(copy, n => n.Version.StartsWith("GLIBCXX_3.4.3", StringComparison.Ordinal) && n.IsWeak));
    }

    [Fact]
    public void MarkWeak_KeepsFileModeAndOtherEntries()
    {
        string copy = FreshCopy();
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
        var before = ElfVersionNeeds.Read(copy);

        var changed = ElfVersionNeeds.MarkWeak(copy, n => n.Version == "GLIBC_2.14");

        Assert.Equal("GLIBC_2.14", Assert.Single(changed).Version);
        var after = ElfVersionNeeds.Read(copy);
        Assert.Equal(before.Select(n => (n.File, n.Version, n.Version == "GLIBC_2.14")), after.Select(n => (n.File, n.Version, n.IsWeak)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead, File.GetUnixFileMode(copy));
    }

    [Fact]
    public void EnsureLoadable_MissingVersionThatIsReallyUsed_ThrowsAndLeavesFileAlone()
    {
        // libc stands in for a libstdc++ that defines no GLIBCXX version at all; GLIBCXX_3.4's symbols are bound.
        string copy = FreshCopy();
        byte[] before = File.ReadAllBytes(copy);
        string libc = Path.Combine(Path.GetDirectoryName(SystemLibStdCxx())!, "libc.so.6");

        var e = Assert.Throws<InvalidOperationException>(() => LibTorchCompatibility.EnsureLoadable([copy], libc));

        Assert.Contains("GLIBCXX_3.4", e.Message);
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void EnsureLoadable_NoLibraries_ReportsNotFound()
    {
        Assert.Equal(LibTorchCompatibilityStatus.LibraryNotFound, LibTorchCompatibility.EnsureLoadable([], SystemLibStdCxx()).Status);
    }

    [Fact]
    public void EnsureLoadable_ThenTensorOp_Works()
    {
        var report = LibTorchCompatibility.EnsureLoadable();
        TorchTestSetup.Init();

        Assert.Contains(report.Status, new[] { LibTorchCompatibilityStatus.Compatible, LibTorchCompatibilityStatus.Patched, LibTorchCompatibilityStatus.AlreadyPatched });
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
    }
}
