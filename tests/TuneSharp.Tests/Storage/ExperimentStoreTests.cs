using TuneSharp.Storage;

namespace TuneSharp.Tests.Storage;

public class ExperimentStoreTests
{
    [Fact]
    public void WriteAtomically_NewFile_HoldsTheContentsAndLeavesNoTemporaryFile()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "params.json");

        ExperimentStore.WriteAtomically(path, "{\"lr\": 0.1}");

        Assert.Equal("{\"lr\": 0.1}", File.ReadAllText(path));
        Assert.Equal(["params.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteAtomically_ExistingFile_IsReplacedWhole()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "params.json");
        ExperimentStore.WriteAtomically(path, new string('x', 1000));

        ExperimentStore.WriteAtomically(path, "short");

        Assert.Equal("short", File.ReadAllText(path));
    }

    [Fact]
    public void WriteAtomically_TemporaryFileLeftByACrash_IsReplacedNotAppendedTo()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "params.json");
        File.WriteAllText(path + ".tmp", "half a file from a process that died while writing it, longer than the new one");

        ExperimentStore.WriteAtomically(path, "{}");

        Assert.Equal("{}", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".tmp"));
    }
}
