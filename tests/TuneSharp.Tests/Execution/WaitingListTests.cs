using TuneSharp.Execution;

namespace TuneSharp.Tests.Execution;

public class WaitingListTests
{
    private static Trial NewTrial(int index, TrialStatus status = TrialStatus.Pending, long iteration = 0) =>
        new($"t{index}", $"trial_{index}", index, new Config(new Dictionary<string, object?>()), [], new Resources(),
            new CheckpointConfig(), DateTimeOffset.UnixEpoch) { Status = status, Iteration = iteration };

    [Fact]
    public void NewCount_CountsOnlyPendingTrialsThatNeverRan()
    {
        var waiting = new WaitingList();
        Trial fresh = NewTrial(0), paused = NewTrial(1, TrialStatus.Paused, 3), retried = NewTrial(2, TrialStatus.Pending, 5);

        waiting.Add(fresh);
        waiting.Add(paused);
        waiting.AddFirst(retried);

        Assert.Equal(1, waiting.NewCount);
        Assert.Equal([retried, fresh, paused], waiting);
    }

    [Fact]
    public void Remove_TakesTheTrialOutOfTheCount_AndIgnoresATrialNotThere()
    {
        var waiting = new WaitingList();
        Trial first = NewTrial(0), second = NewTrial(1);
        waiting.Add(first);
        waiting.Add(second);

        waiting.Remove(first);
        waiting.Remove(first);
        waiting.Remove(NewTrial(2));

        Assert.Equal(1, waiting.NewCount);
        Assert.Equal([second], waiting);
    }

    [Fact]
    public void SnapshotAt_IsMadeOncePerStayAndFreshAfterTheTrialComesBack()
    {
        var waiting = new WaitingList();
        Trial first = NewTrial(0), second = NewTrial(1);
        waiting.Add(first);
        waiting.Add(second);
        TrialInfo seen = waiting.SnapshotAt(1);

        Assert.Same(seen, waiting.SnapshotAt(1));
        Assert.Same(seen, new WaitingTrials(waiting)[1]);
        // Taken out, changed and put back first (a restart): the scheduler sees the change, at the new position.
        waiting.Remove(second);
        second.Iteration = 7;
        waiting.AddFirst(second);
        Assert.Equal(7, waiting.SnapshotAt(0).Iteration);
        Assert.Equal("t0", waiting.SnapshotAt(1).TrialId);
    }
}
