using System.Threading.Channels;
using TuneSharp.Storage;

namespace TuneSharp.Execution;

/// <summary>
/// One run (attempt) of a trial: the bridge between the trial's thread and the controller's loop.
/// A trial that is restarted (after a failure, a pause or an exploit) gets a new run, so late
/// messages of an old run are recognised and dropped.
/// </summary>
internal sealed class TrialRun
{
    private readonly TrialResultWriter _results;
    private readonly ChannelWriter<ControllerMessage> _controller;
    private readonly CancellationTokenSource _cancellation;
    private volatile object? _stopReason;
    private long _iteration;

    public TrialRun(string trialId, string trialName, string trialDirectory, Config config, ResourceGrant grant,
        int seed, long iteration, TrialResultWriter results, ChannelWriter<ControllerMessage> controller, CancellationToken experimentToken,
        TimeProvider time)
    {
        Time = time;
        _results = results;
        TrialId = trialId;
        TrialName = trialName;
        TrialDirectory = trialDirectory;
        Config = config;
        Grant = grant;
        Seed = seed;
        _iteration = iteration;
        _controller = controller;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(experimentToken);
    }

    /// <summary>The experiment's clock, which times the trial's iterations.</summary>
    public TimeProvider Time { get; }
    public string TrialId { get; }
    public string TrialName { get; }
    public string TrialDirectory { get; }
    public Config Config { get; }
    /// <summary>What this run holds: its resources and GPUs (a reallocation may change the trial's for its next run).</summary>
    public ResourceGrant Grant { get; }
    public Resources Resources => Grant.Resources;
    public int Seed { get; }
    public long Iteration => Interlocked.Read(ref _iteration);
    public CancellationToken CancellationToken => _cancellation.Token;

    public void SetIteration(long iteration) => Interlocked.Exchange(ref _iteration, iteration);

    /// <summary>
    /// Creates the trial's folder with its <c>params.json</c> (on its first start, as Ray does, so that trials that
    /// never run leave nothing on disk) and opens its result files. Called on the trial's thread before the
    /// trainable runs, so that this file work, the largest part of what a short trial costs, runs beside the
    /// controller's loop rather than in it.
    /// </summary>
    public void PrepareFolder()
    {
        ExperimentStore.EnsureTrialDirectory(TrialDirectory, Config);
        _results.Open();
    }

    /// <summary>Called by the controller: the run is to end; the trial sees it at its next report or token check.</summary>
    public void RequestStop(TrialStopReason reason)
    {
        _stopReason ??= reason;
        try { _cancellation.Cancel(); }
        catch (AggregateException) { /* a user callback on the token threw; the stop still stands */ }
    }

    public TrialStopReason? StopReason => _stopReason as TrialStopReason?;

    public void ThrowIfStopped()
    {
        if (StopReason is { } reason)
            throw Stopped(reason);
    }

    public TrialStoppedException Stopped(TrialStopReason reason)
    {
        _stopReason ??= reason;
        return new TrialStoppedException(TrialId, reason);
    }

    /// <summary>Writes a checkpoint into a fresh staging folder in the trial's folder (same disk, so the
    /// controller can move it into place with a rename).</summary>
    public string Stage(Checkpoint checkpoint)
    {
        string staging = Path.Combine(TrialDirectory, $".staging_checkpoint_{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            checkpoint.WriteInto(staging);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
        return staging;
    }

    public Task<TrialStopReason?> SendAsync(TrialReport report)
    {
        if (!_controller.TryWrite(new ReportMessage(this, report)))
            return Task.FromResult<TrialStopReason?>(TrialStopReason.Stop); // the experiment is over
        return report.Verdict.Task;
    }

    public void Finished(Exception? error) => _controller.TryWrite(new RunFinishedMessage(this, error));
}
