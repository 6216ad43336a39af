using System.Text.Json.Nodes;
using TuneSharp.Search;
using TuneSharp.Stopping;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>A stopper's SaveState is user code called at every snapshot: one that throws ends the experiment as its other
/// calls do (FitAsync throws naming it), and the experiment still ends cleanly (final snapshot, OnExperimentEnd).</summary>
public class StopperSaveStateTests
{
    private sealed class BrokenStopper : Stopper
    {
        public override bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result) => false;
        public override JsonObject? SaveState() => throw new InvalidOperationException("cannot save");
    }

    private sealed class EndSeen : TuneSharp.Reporting.TuneCallback
    {
        public bool Ended { get; private set; }
        public override void OnExperimentEnd(TuneSharp.Reporting.ExperimentStatus status) => Ended = true;
    }

    [Fact]
    public async Task FitAsync_StopperSaveStateThrows_FailsNamingTheStopperAndStillEndsCleanly()
    {
        using var temp = new TempDirectory();
        var end = new EndSeen();
        var tuner = new Tuner(async trial =>
        {
            for (int i = 0; i < 3; i++)
                await trial.ReportAsync(new Metrics { ["score"] = i });
        }, new SearchSpace(), new TuneConfig(),
            new RunConfig { StoragePath = temp.Path, Name = "broken", Verbose = 0, Stop = new BrokenStopper(), Callbacks = [end] });

        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());

        Assert.Contains("SaveState threw InvalidOperationException: cannot save", error.Message);
        Assert.True(end.Ended);
        Assert.NotNull(TuneSharp.Storage.ExperimentStore.FindLatestState(Path.Combine(temp.Path, "broken")));
    }
}
