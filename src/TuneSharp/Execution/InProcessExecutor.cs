using System.Collections.Concurrent;

namespace TuneSharp.Execution;

/// <summary>How a run starts: from which checkpoint, and the class API's checkpoint settings.</summary>
internal sealed record TrialLaunch(Checkpoint? RestoreFrom, int CheckpointFrequency, bool CheckpointAtEnd);

/// <summary>The executor seam: starts trial runs somewhere (this process now, a cluster later).
/// A run reports back only through its <see cref="TrialRun"/>.</summary>
internal interface ITrialExecutor : IDisposable
{
    void Start(TrialRun run, TrainableDefinition trainable, TrialLaunch launch);
}

/// <summary>Runs each trial on a dedicated thread of this process. With <paramref name="reuseActors"/>,
/// class trainables whose run ended are kept and handed the next trial through
/// <see cref="Trainable.ResetConfig"/> (Ray's <c>reuse_actors</c>).</summary>
internal sealed class InProcessExecutor(bool reuseActors) : ITrialExecutor
{
    private readonly ConcurrentBag<Trainable> _idle = new();

    public void Start(TrialRun run, TrainableDefinition trainable, TrialLaunch launch)
    {
        // The run reports its own end to the controller (RunFinishedMessage); nobody awaits the task itself.
        DedicatedThread.Run(() => RunAsync(run, trainable, launch), $"trial {run.TrialId}",
            ended => run.Finished(ended.Exception?.InnerException));
    }

    private async Task RunAsync(TrialRun run, TrainableDefinition trainable, TrialLaunch launch)
    {
        run.PrepareFolder();
        var context = new TrialContext(run, launch.RestoreFrom);
        if (trainable.Function is { } function)
        {
            Metrics? final = await function(context).ConfigureAwait(true);
            if (final is not null)
                await context.ReportAsync(final).ConfigureAwait(true);
            return;
        }
        var (instance, reused) = Acquire(trainable, context);
        bool kept;
        try
        {
            kept = await ClassTrainableRunner.RunAsync(instance, context, launch, setup: !reused, keepAlive: reuseActors).ConfigureAwait(true);
        }
        catch (TrialStoppedException) when (reuseActors)
        {
            // Stopped or paused by the scheduler: the instance is still sound, and early stopping is where reuse pays.
            _idle.Add(instance);
            throw;
        }
        if (kept)
            _idle.Add(instance);
    }

    private (Trainable Instance, bool Reused) Acquire(TrainableDefinition trainable, TrialContext context)
    {
        if (reuseActors && _idle.TryTake(out Trainable? idle))
        {
            idle.Attach(context);
            if (idle.ResetConfig(context.Config))
                return (idle, true);
            idle.Cleanup();
        }
        return (trainable.Factory!(), false);
    }

    /// <summary>Releases the trainables kept for reuse when the experiment ends.</summary>
    public void Dispose()
    {
        while (_idle.TryTake(out Trainable? idle))
            idle.Cleanup();
    }
}

/// <summary>Drives the class API: Setup, LoadCheckpoint, then Step and report until told to stop.</summary>
internal static class ClassTrainableRunner
{
    /// <summary>Returns true when the run ended cleanly (finished or stopped) and the instance was kept alive
    /// for reuse; otherwise it has been cleaned up.</summary>
    public static async Task<bool> RunAsync(Trainable trainable, TrialContext context, TrialLaunch launch, bool setup, bool keepAlive)
    {
        trainable.Attach(context);
        bool clean = false;
        try
        {
            if (setup)
                trainable.Setup(context.Config);
            if (launch.RestoreFrom is { Path: { } restorePath })
                trainable.LoadCheckpoint(restorePath);
            await StepUntilDoneAsync(trainable, context, launch).ConfigureAwait(true);
            clean = true;
        }
        catch (TrialStoppedException)
        {
            clean = true;
            throw;
        }
        finally
        {
            if (!(clean && keepAlive))
                trainable.Cleanup();
        }
        return clean && keepAlive;
    }

    private static async Task StepUntilDoneAsync(Trainable trainable, TrialContext context, TrialLaunch launch)
    {
        long step = context.Iteration;
        bool save = false, stepped = false;
        while (true)
        {
            try
            {
                // A stop or pause that came between two steps: the state is that of the last step, saved below when
                // Ray would save it (a pause, or a stop with CheckpointAtEnd), as after a step. (Before this run's first
                // step there is nothing new to save.)
                context.ThrowIfStopped();
                save = false;
                long started = context.Timestamp();
                Metrics metrics = trainable.Step();
                // As Ray's Trainable.train: the iteration's time is the step's own, not Setup's, a restore's or a save's.
                double seconds = context.SecondsSince(started);
                step++;
                stepped = true;
                bool done = metrics.TryGetValue(ResultFields.Done, out object? d) && d is true;
                save = (launch.CheckpointFrequency > 0 && step % launch.CheckpointFrequency == 0)
                    || (done && launch.CheckpointAtEnd)
                    || (metrics.TryGetValue(ResultFields.ShouldCheckpoint, out object? forced) && forced is true);
                await context.ReportStepAsync(metrics, save ? Checkpoint.FromDirectory(trainable.SaveCheckpoint) : null, seconds).ConfigureAwait(true);
                if (done)
                    return;
            }
            catch (TrialStoppedException e) when (stepped && (e.Reason == TrialStopReason.Pause
                || (e.Reason == TrialStopReason.Stop && launch.CheckpointAtEnd && !save)))
            {
                // Ray saves a paused trial, and a stopped one when CheckpointAtEnd is set; not one restarted from another's
                // checkpoint (a PBT exploit), whose state is thrown away.
                await context.SaveCheckpointOnlyAsync(Checkpoint.FromDirectory(trainable.SaveCheckpoint), step).ConfigureAwait(true);
                throw;
            }
            if (context.TakeSaveRequest() && !save)
            {
                await context.SaveCheckpointOnlyAsync(Checkpoint.FromDirectory(trainable.SaveCheckpoint), step).ConfigureAwait(true);
                save = true; // this state is saved: a stop before the next step (with CheckpointAtEnd) does not save it again
            }
        }
    }
}
