using Microsoft.Extensions.Time.Testing;
using TuneSharp.Search;
using TuneSharp.Stopping;

namespace TuneSharp.Tests.Execution;

public class TrialStoppingTests
{
    [Fact]
    public async Task ReportAsync_TrialStoppedByStopper_ThrowsTrialStoppedExceptionAndCancelsTheToken()
    {
        using var temp = new TempDirectory();
        TrialStoppedException? caught = null;
        bool cancelledWhenCaught = false;
        string? trialId = null;
        var tuner = new Tuner(async trial =>
        {
            trialId = trial.TrialId;
            try
            {
                for (int i = 0; i < 100; i++)
                    await trial.ReportAsync(new Metrics { ["score"] = i });
            }
            catch (TrialStoppedException e)
            {
                caught = e;
                cancelledWhenCaught = trial.CancellationToken.IsCancellationRequested;
                throw;
            }
        }, new SearchSpace(), new TuneConfig(),
        new RunConfig { StoragePath = temp.Path, Name = "stopped", Verbose = 0, Stop = new StopCriteria { ["training_iteration"] = 3 } });

        var grid = await tuner.FitAsync();

        Assert.NotNull(caught);
        Assert.Equal(TrialStopReason.Stop, caught.Reason);
        Assert.Equal(trialId, caught.TrialId);
        Assert.True(cancelledWhenCaught);
        // The result that met the criterion is recorded, nothing after it.
        Assert.Equal(TrialStatus.Terminated, grid[0].Status);
        Assert.Equal(3L, grid[0].Metrics[ResultFields.TrainingIteration]);
        Assert.Equal(true, grid[0].Metrics[ResultFields.Done]);
        Assert.Equal([1L, 2, 3], TrialFiles.Column(grid[0].Path, ResultFields.TrainingIteration));
    }

    [Fact]
    public async Task FitAsync_MaximumIterationStopper_EndsEveryTrialAtThatIteration()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(trial =>
        {
            for (int i = 0; i < 50; i++)
                trial.Report(new Metrics { ["score"] = i });
        }, new SearchSpace { ["x"] = Tune.GridSearch(1, 2, 3) }, new TuneConfig { AvailableResources = new Resources { Cpu = 2 } },
        new RunConfig { StoragePath = temp.Path, Name = "maxiter", Verbose = 0, Stop = new MaximumIterationStopper(4) });

        var grid = await tuner.FitAsync();

        Assert.All(grid, r => Assert.Equal(4L, r.Metrics[ResultFields.TrainingIteration]));
    }

    [Fact]
    public async Task FitAsync_TimeBudgetPassesOnTheClock_StopsRunningTrials()
    {
        using var temp = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var otherReported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tuner = new Tuner(async trial =>
        {
            for (int i = 1; i <= 100_000; i++)
            {
                await trial.ReportAsync(new Metrics { ["score"] = i });
                if (trial.Config.Get<int>("id") == 1)
                    otherReported.TrySetResult();
                if (i == 3 && trial.Config.Get<int>("id") == 0)
                {
                    // Both trials run when the budget runs out: the other has reported at least once (on a loaded
                    // machine its thread may start after this one has reported three times).
                    await otherReported.Task.WaitAsync(TimeSpan.FromSeconds(60), trial.CancellationToken);
                    clock.Advance(TimeSpan.FromMinutes(2));
                }
                await Task.Delay(1, trial.CancellationToken);
            }
        }, new SearchSpace { ["id"] = Tune.GridSearch(0, 1) },
        new TuneConfig { TimeBudget = TimeSpan.FromMinutes(1), AvailableResources = new Resources { Cpu = 2 } },
        new RunConfig { StoragePath = temp.Path, Name = "budget", Verbose = 0, TimeProvider = clock });

        var grid = await tuner.FitAsync();

        Assert.Equal(2, grid.Count);
        Assert.All(grid, r =>
        {
            Assert.Equal(TrialStatus.Terminated, r.Status);
            Assert.InRange((long)r.Metrics[ResultFields.TrainingIteration]!, 1, 99_999);
        });
    }

    [Fact]
    public async Task FitAsync_UnboundedSamplesWithExperimentPlateauStopper_EndsWhenThePlateauIsReached()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(trial => trial.Report(new Metrics { ["loss"] = 1.0 }), new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
            new TuneConfig { NumSamples = -1, Seed = 2, MaxPendingTrials = 2, AvailableResources = new Resources { Cpu = 2 } },
            new RunConfig { StoragePath = temp.Path, Name = "forever", Verbose = 0, Stop = new ExperimentPlateauStopper("loss") { Top = 4 } });

        var grid = await tuner.FitAsync();

        // The fourth result completes the plateau; at most the one other running trial reported meanwhile.
        // Trials queued but never started end as terminated, as in Ray.
        Assert.InRange(grid.Count(r => r.Metrics.Count > 0), 4, 5);
        Assert.InRange(grid.Count, 4, 5 + 2);
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
    }

    [Fact]
    public async Task FitAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var temp = new TempDirectory();
        using var cancel = new CancellationTokenSource();
        var tuner = new Tuner(async trial =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                await trial.ReportAsync(new Metrics { ["score"] = i });
                if (i == 2)
                    cancel.Cancel();
                await Task.Delay(1, trial.CancellationToken);
            }
        }, new SearchSpace(), new TuneConfig(), new RunConfig { StoragePath = temp.Path, Name = "cancel", Verbose = 0 });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tuner.FitAsync(cancel.Token));
    }
}
