namespace TuneSharp.Execution;

/// <summary>How a run starts: from which checkpoint, and the class API's checkpoint settings.</summary>
internal sealed record TrialLaunch(Checkpoint? RestoreFrom, int CheckpointFrequency, bool CheckpointAtEnd);

/// <summary>The executor seam: starts trial runs somewhere (this process now, a cluster later).
/// A run reports back only through its <see cref="TrialRun"/>.</summary>
internal interface ITrialExecutor
{
    void Start(TrialRun run, TrainableDefinition trainable, TrialLaunch launch);
}

/// <summary>Runs each trial on a dedicated thread of this process.</summary>
internal sealed class InProcessExecutor : ITrialExecutor
{
    public void Start(TrialRun run, TrainableDefinition trainable, TrialLaunch launch)
    {
        run.Completion = DedicatedThread.Run(() => RunAsync(run, trainable, launch), $"trial {run.TrialId}")
            .ContinueWith(t => run.Finished(t.Exception?.InnerException), TaskScheduler.Default);
    }

    private static async Task RunAsync(TrialRun run, TrainableDefinition trainable, TrialLaunch launch)
    {
        var context = new TrialContext(run, launch.RestoreFrom);
        if (trainable.Function is { } function)
        {
            Metrics? final = await function(context).ConfigureAwait(true);
            if (final is not null)
                await context.ReportAsync(final).ConfigureAwait(true);
            return;
        }
        await ClassTrainableRunner.RunAsync(trainable.Factory!(), context, launch).ConfigureAwait(true);
    }
}

/// <summary>Drives the class API: Setup, LoadCheckpoint, then Step and report until told to stop.</summary>
internal static class ClassTrainableRunner
{
    public static async Task RunAsync(Trainable trainable, TrialContext context, TrialLaunch launch)
    {
        trainable.Attach(context);
        try
        {
            trainable.Setup(context.Config);
            if (launch.RestoreFrom is { Path: { } restorePath })
                trainable.LoadCheckpoint(restorePath);
            long step = context.Iteration;
            while (true)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                Metrics metrics = trainable.Step();
                step++;
                bool done = metrics.TryGetValue(ResultFields.Done, out object? d) && d is true;
                bool save = (launch.CheckpointFrequency > 0 && step % launch.CheckpointFrequency == 0)
                    || (done && launch.CheckpointAtEnd);
                try
                {
                    await context.ReportAsync(metrics, save ? Checkpoint.FromDirectory(trainable.SaveCheckpoint) : null).ConfigureAwait(true);
                }
                catch (TrialStoppedException e) when (e.Reason == TrialStopReason.Pause || (launch.CheckpointAtEnd && !save))
                {
                    // Ray saves a paused trial, and a stopped one when CheckpointAtEnd is set.
                    await context.SaveCheckpointOnlyAsync(Checkpoint.FromDirectory(trainable.SaveCheckpoint)).ConfigureAwait(true);
                    throw;
                }
                if (done)
                    return;
            }
        }
        finally
        {
            trainable.Cleanup();
        }
    }
}
