using TuneSharp.Results;
using TuneSharp.Schedulers;
using TuneSharp.Storage;

namespace TuneSharp.Execution;

/// <summary>
/// A trial's live state. Only the controller's loop reads or writes it; everyone else gets a
/// <see cref="TrialInfo"/> snapshot.
/// </summary>
internal sealed class Trial
{
    public Trial(string id, string name, int index, Config config, IReadOnlyList<string> sampledPaths,
        Resources resources, CheckpointConfig checkpointConfig, DateTimeOffset created)
    {
        Id = id;
        Name = name;
        Index = index;
        Config = config;
        SampledPaths = sampledPaths;
        Resources = resources;
        Created = created;
        Checkpoints = new CheckpointRetention(checkpointConfig);
    }

    public string Id { get; }
    public string Name { get; }
    public int Index { get; }
    public Config Config { get; set; }
    public IReadOnlyList<string> SampledPaths { get; }
    public Resources Resources { get; set; }
    public DateTimeOffset Created { get; }
    public string Directory { get; set; } = "";
    public TrialStatus Status { get; set; } = TrialStatus.Pending;
    public long Iteration { get; set; }
    public double TimeTotal { get; set; }
    public int NumFailures { get; set; }
    public string? ErrorMessage { get; set; }
    public string? ErrorFile { get; set; }
    public IReadOnlyDictionary<string, object?>? LastResult { get; set; }
    public MetricAnalysis Analysis { get; } = new();
    public CheckpointRetention Checkpoints { get; }

    // The current run and what the controller decided for it; cleared when the run ends.
    public TrialRun? Run { get; set; }
    public TrialResultWriter? Writer { get; set; }
    public long IterationsSinceRestore { get; set; }
    /// <summary>The result the checkpoint this run started from was paired with (null for a fresh start): what a save
    /// before the first new result holds.</summary>
    public IReadOnlyDictionary<string, object?>? RestoredResult { get; set; }
    public double TimeSinceRestore { get; set; }
    public TrialAction? PendingAction { get; set; }
    public bool StoppedByScheduler { get; set; }
    public string? RestoreFrom { get; set; }

    public TrialInfo Snapshot() => new(Id, Name, Index, Config, Status, Iteration, LastResult,
        Checkpoints.Latest?.Path, Directory, Resources);
}
