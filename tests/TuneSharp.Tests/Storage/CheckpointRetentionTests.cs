using TuneSharp.Results;
using TuneSharp.Search;
using TuneSharp.Storage;

namespace TuneSharp.Tests.Storage;

public class CheckpointRetentionTests
{
    private static StoredCheckpoint Cp(int index, double? score = null) =>
        new($"checkpoint_{index:D6}", index, score is { } s ? new Dictionary<string, object?> { ["acc"] = s } : new Dictionary<string, object?>());

    private static readonly Func<string, bool> NonePinned = _ => false;

    private static List<int> Kept(CheckpointRetention retention) => retention.Kept.Select(c => c.Index).Order().ToList();

    [Fact]
    public void Add_NoNumToKeep_KeepsEverything()
    {
        var retention = new CheckpointRetention(new CheckpointConfig());
        for (int i = 0; i < 5; i++)
            Assert.Empty(retention.Add(Cp(i), NonePinned));
        Assert.Equal([0, 1, 2, 3, 4], Kept(retention));
        Assert.Equal(5, retention.NextIndex);
    }

    [Fact]
    public void Add_NumToKeepWithoutAttribute_KeepsTheMostRecent()
    {
        var retention = new CheckpointRetention(new CheckpointConfig { NumToKeep = 2 });
        Assert.Empty(retention.Add(Cp(0), NonePinned));
        Assert.Empty(retention.Add(Cp(1), NonePinned));
        Assert.Equal(["checkpoint_000000"], retention.Add(Cp(2), NonePinned));
        Assert.Equal(["checkpoint_000001"], retention.Add(Cp(3), NonePinned));
        Assert.Equal([2, 3], Kept(retention));
        Assert.Equal(3, retention.Latest!.Index);
    }

    [Fact]
    public void Add_ScoreAttributeMax_KeepsTheBestAndAlwaysTheLatest()
    {
        var retention = new CheckpointRetention(new CheckpointConfig { NumToKeep = 2, CheckpointScoreAttribute = "acc" });
        retention.Add(Cp(0, 0.5), NonePinned);
        retention.Add(Cp(1, 0.9), NonePinned);
        Assert.Equal(["checkpoint_000000"], retention.Add(Cp(2, 0.7), NonePinned)); // best two: 0.9, 0.7
        Assert.Empty(retention.Add(Cp(3, 0.1), NonePinned));                        // worst, but the latest
        Assert.Equal([1, 2, 3], Kept(retention));
        // 0.8 arrives: best two are 0.9 (1) and 0.8 (4, also the latest); 0.7 and 0.1 go.
        Assert.Equal(["checkpoint_000002", "checkpoint_000003"], retention.Add(Cp(4, 0.8), NonePinned).Order());
        Assert.Equal([1, 4], Kept(retention));
    }

    [Fact]
    public void Add_ScoreAttributeMin_KeepsTheLowest()
    {
        var retention = new CheckpointRetention(new CheckpointConfig { NumToKeep = 1, CheckpointScoreAttribute = "acc", CheckpointScoreOrder = Mode.Min });
        retention.Add(Cp(0, 0.3), NonePinned);
        Assert.Empty(retention.Add(Cp(1, 0.5), NonePinned));                        // 0.3 best, 0.5 latest
        // 0.1 is both the best and the latest: the other two go.
        Assert.Equal(["checkpoint_000000", "checkpoint_000001"], retention.Add(Cp(2, 0.1), NonePinned).Order());
        Assert.Empty(retention.Add(Cp(3, 0.2), NonePinned)); // keep the best 0.1 and the latest 0.2
        Assert.Equal([2, 3], Kept(retention));
    }

    [Fact]
    public void Add_CheckpointWithoutTheAttribute_RanksLowest()
    {
        var retention = new CheckpointRetention(new CheckpointConfig { NumToKeep = 1, CheckpointScoreAttribute = "acc" });
        retention.Add(Cp(0, 0.2), NonePinned);
        retention.Add(Cp(1), NonePinned);
        Assert.Equal(["checkpoint_000001"], retention.Add(Cp(2, 0.1), NonePinned));
        Assert.Equal([0, 2], Kept(retention));
    }

    [Fact]
    public void Add_PinnedCheckpoint_IsNeverDeletedUntilReleased()
    {
        var retention = new CheckpointRetention(new CheckpointConfig { NumToKeep = 1 });
        var pinned = new HashSet<string> { "checkpoint_000000" };
        retention.Add(Cp(0), pinned.Contains);
        Assert.Empty(retention.Add(Cp(1), pinned.Contains));
        Assert.Equal(["checkpoint_000001"], retention.Add(Cp(2), pinned.Contains));
        Assert.Equal([0, 2], Kept(retention));

        pinned.Clear();

        Assert.Equal(["checkpoint_000000"], retention.Prune(pinned.Contains));
        Assert.Equal([2], Kept(retention));
    }

    [Fact]
    public async Task FitAsync_NumToKeepWithScore_DeletesTheOtherFoldersOnDisk()
    {
        using var temp = new TempDirectory();
        double[] accuracies = [0.5, 0.9, 0.7, 0.1, 0.8, 0.2];
        var grid = await new Tuner(trial =>
        {
            foreach (double acc in accuracies)
                trial.Report(new Metrics { ["acc"] = acc }, Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "acc"), $"{acc}")));
        }, new SearchSpace(), new TuneConfig(), new RunConfig
        {
            StoragePath = temp.Path, Name = "keep", Verbose = 0,
            CheckpointConfig = new CheckpointConfig { NumToKeep = 2, CheckpointScoreAttribute = "acc" },
        }).FitAsync();

        // Best two: 0.9 (checkpoint 1) and 0.8 (4); the latest (5, 0.2) is always kept.
        Assert.Equal(["checkpoint_000001", "checkpoint_000004", "checkpoint_000005"], TrialFiles.CheckpointFolders(grid[0].Path));
        // From worst to best, as Ray's best_checkpoints; the same read back from the folder.
        Assert.Equal([0.2, 0.8, 0.9], grid[0].BestCheckpoints.Select(c => (double)c.Metrics["acc"]!));
        Assert.Equal([0.2, 0.8, 0.9], ResultGrid.FromDirectory(grid.ExperimentPath)[0].BestCheckpoints.Select(c => (double)c.Metrics["acc"]!));
        Assert.Equal("0.2", grid[0].Checkpoint!.Read(dir => File.ReadAllText(Path.Combine(dir, "acc"))));
        Assert.Equal("0.9", grid[0].GetBestCheckpoint("acc", Mode.Max).Read(dir => File.ReadAllText(Path.Combine(dir, "acc"))));
        Assert.Equal("0.2", grid[0].GetBestCheckpoint("acc", Mode.Min).Read(dir => File.ReadAllText(Path.Combine(dir, "acc"))));
        Assert.Contains("'los'", Assert.Throws<TuneException>(() => grid[0].GetBestCheckpoint("los", Mode.Max)).Message);
    }

    [Fact]
    public async Task FitAsync_CheckpointWithoutTheScoreAttribute_ThrowsNamingTheOption()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(trial =>
        {
            trial.Report(new Metrics { ["loss"] = 1.0 }); // no checkpoint: no score needed
            trial.Report(new Metrics { ["loss"] = 0.5 }, Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "x"), "")));
        }, new SearchSpace(), new TuneConfig(), new RunConfig
        {
            StoragePath = temp.Path, Name = "noscore", Verbose = 0,
            CheckpointConfig = new CheckpointConfig { NumToKeep = 2, CheckpointScoreAttribute = "acc" },
        });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("without 'acc', named in CheckpointConfig.CheckpointScoreAttribute", error.Message);
        Assert.Contains("It reported: loss", error.Message);
    }

    [Fact]
    public async Task FromDirectory_AfterACrashBeforeTheLastSnapshot_SeesTheCheckpointsOnDisk()
    {
        using var temp = new TempDirectory();
        var grid = await new Tuner(trial =>
        {
            for (int i = 0; i < 3; i++)
                trial.Report(new Metrics { ["acc"] = i * 0.1 }, Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "i"), $"{i}")));
        }, new SearchSpace(), new TuneConfig(), new RunConfig { StoragePath = temp.Path, Name = "disk", Verbose = 0 }).FitAsync();
        // As if the process had died after retention deleted checkpoint 0 and before the snapshot said so.
        Directory.Delete(Path.Combine(grid[0].Path, "checkpoint_000000"), recursive: true);

        var loaded = ResultGrid.FromDirectory(grid.ExperimentPath)[0];

        Assert.Equal([1L, 2L], loaded.BestCheckpoints.Select(c => Convert.ToInt64(c.Metrics["training_iteration"]) - 1));
        Assert.All(loaded.BestCheckpoints, c => Assert.True(Directory.Exists(c.Checkpoint.Path)));
    }

    [Fact]
    public void Restore_KeptCheckpoints_ContinuesNumberingAfterTheHighest()
    {
        var retention = new CheckpointRetention(new CheckpointConfig());
        retention.Restore([Cp(3), Cp(7)]);
        Assert.Equal(8, retention.NextIndex);
        Assert.Equal(7, retention.Latest!.Index);
    }
}
