using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

public class QueuedTrialFolderTests
{
    [Fact]
    public async Task FitAsync_TrialsThatNeverStart_LeaveNoFolders()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(trial =>
        {
            if (trial.Config.Get<int>("id") == 0)
                throw new InvalidOperationException("first trial fails");
        }, new SearchSpace { ["id"] = Tune.GridSearch(0, 1, 2, 3) },
        new TuneConfig { MaxConcurrentTrials = 1, Seed = 1 },
        new RunConfig { StoragePath = temp.Path, Name = "lazy", Verbose = 0, FailureConfig = new FailureConfig { FailFast = true } });

        var grid = await tuner.FitAsync();

        Assert.Equal(4, grid.Count);
        Assert.True(Directory.Exists(grid.Single(r => r.Config.Get<int>("id") == 0).Path));
        Assert.All(grid.Where(r => r.Config.Get<int>("id") > 0), r => Assert.False(Directory.Exists(r.Path), r.Path));
        // The experiment can still be read back from disk.
        Assert.Equal(4, TuneSharp.Results.ResultGrid.FromDirectory(grid.ExperimentPath).Count);
    }
}
