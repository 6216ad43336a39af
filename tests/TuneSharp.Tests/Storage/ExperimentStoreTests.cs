using TuneSharp.Storage;

namespace TuneSharp.Tests.Storage;

public class ExperimentStoreTests
{
    [Fact]
    public void WriteAtomically_NewFile_HoldsTheContentsAndLeavesNoTemporaryFile()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "params.json");

        ExperimentStore.WriteAtomically(path, "{\"lr\": 0.1}"u8);

        Assert.Equal("{\"lr\": 0.1}", File.ReadAllText(path));
        Assert.Equal(["params.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteAtomically_ExistingFile_IsReplacedWhole()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "params.json");
        ExperimentStore.WriteAtomically(path, System.Text.Encoding.UTF8.GetBytes(new string('x', 1000)));

        ExperimentStore.WriteAtomically(path, "short"u8);

        Assert.Equal("short", File.ReadAllText(path));
    }

    [Fact]
    public void WriteAtomically_TemporaryFileLeftByACrash_IsReplacedNotAppendedTo()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "params.json");
        File.WriteAllText(path + ".tmp", "half a file from a process that died while writing it, longer than the new one");

        ExperimentStore.WriteAtomically(path, "{}"u8);

        Assert.Equal("{}", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    private static Config LrConfig(double lr) => new(new Dictionary<string, object?> { ["lr"] = lr });

    [Fact]
    public void EnsureTrialDirectory_FirstStart_CreatesTheFolderWithItsParams()
    {
        using var dir = new TempDirectory();
        string trial = Path.Combine(dir.Path, "trial_0");

        ExperimentStore.EnsureTrialDirectory(trial, LrConfig(0.1));

        Assert.Equal(0.1, System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(trial, "params.json")))!["lr"]!.GetValue<double>());
        Assert.Equal(["params.json"], Directory.GetFiles(trial).Select(Path.GetFileName));
    }

    [Fact]
    public void EnsureTrialDirectory_ParamsOfTheSameConfigThere_LeavesTheFileAlone()
    {
        using var dir = new TempDirectory();
        string trial = Path.Combine(dir.Path, "trial_0");
        ExperimentStore.EnsureTrialDirectory(trial, LrConfig(0.1));
        string path = Path.Combine(trial, "params.json");
        var written = File.GetLastWriteTimeUtc(path);
        File.SetLastWriteTimeUtc(path, written.AddHours(-1));

        ExperimentStore.EnsureTrialDirectory(trial, LrConfig(0.1)); // a resumed trial: params.json is already there

        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void EnsureTrialDirectory_ParamsOfAnotherConfigThere_AreReplaced()
    {
        // A restart with a new config (PBT's exploit) whose run failed before the new params.json was written.
        using var dir = new TempDirectory();
        string trial = Path.Combine(dir.Path, "trial_0");
        ExperimentStore.EnsureTrialDirectory(trial, LrConfig(0.1));

        ExperimentStore.EnsureTrialDirectory(trial, LrConfig(0.2));

        Assert.Equal(0.2, System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(trial, "params.json")))!["lr"]!.GetValue<double>());
    }

    [Fact]
    public void EnsureTrialDirectory_ParamsCutShortByACrash_AreWrittenAgain()
    {
        using var dir = new TempDirectory();
        string trial = Path.Combine(dir.Path, "trial_0");
        Directory.CreateDirectory(trial);
        File.WriteAllText(Path.Combine(trial, "params.json"), "{\n  \"lr\": 0.");

        ExperimentStore.EnsureTrialDirectory(trial, LrConfig(0.25));

        Assert.Equal(0.25, System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(trial, "params.json")))!["lr"]!.GetValue<double>());
        Assert.False(File.Exists(Path.Combine(trial, "params.json.tmp")));
    }
}
