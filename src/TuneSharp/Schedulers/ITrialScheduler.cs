using System.Text.Json.Nodes;

namespace TuneSharp.Schedulers;

/// <summary>
/// The scheduler seam (Ray Tune's <c>TrialScheduler</c>): decides after every result whether a trial
/// continues, pauses or stops, and which waiting trial runs next. It sees immutable
/// <see cref="TrialInfo"/> snapshots and answers with a <see cref="TrialDecision"/>, never by reaching
/// into the controller. Optional hooks do nothing by default.
/// </summary>
public interface ITrialScheduler
{
    /// <summary>Receives the experiment's metric and mode (and seed), unless the scheduler names its own.
    /// Throws a <see cref="TuneException"/> when it still has no metric or mode.</summary>
    void Setup(string? metric, Mode? mode, int? seed);

    /// <summary>What to do with the trial that reported <paramref name="result"/>.</summary>
    TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result);

    /// <summary>Completes a new trial's config before the trial is created, e.g. PBT draws the mutated
    /// hyperparameters the search space left out (Ray's <c>_fill_config</c>).
    /// <value>The default returns the config as it is.</value></summary>
    Config CompleteConfig(Config config) => config;

    /// <summary>A trial was created.</summary>
    void OnTrialAdd(TrialInfo trial) { }

    /// <summary>A trial finished on its own or was stopped by a stopper; <paramref name="result"/> is its last result.</summary>
    void OnTrialComplete(TrialInfo trial, IReadOnlyDictionary<string, object?>? result) { }

    /// <summary>A trial was stopped by this scheduler's own decision.</summary>
    void OnTrialRemove(TrialInfo trial) { }

    /// <summary>A trial failed for good.</summary>
    void OnTrialError(TrialInfo trial) { }

    /// <summary>A checkpoint of the trial was stored in <paramref name="checkpointPath"/>: with a result, saved at a
    /// pause or on request (<see cref="TrialDecision.SaveAndContinue"/>), or copied in by an exploit.</summary>
    void OnTrialCheckpoint(TrialInfo trial, string checkpointPath) { }

    /// <summary>Which of the waiting (pending or paused) trials to start next, or null for none now.
    /// <value>The default takes the first pending trial, else the first paused one.</value></summary>
    TrialInfo? ChooseTrialToRun(IReadOnlyList<TrialInfo> waiting) =>
        waiting.FirstOrDefault(t => t.Status == TrialStatus.Pending) ?? waiting.FirstOrDefault(t => t.Status == TrialStatus.Paused);

    /// <summary>Gives the scheduler a read-only view of the experiment's queue, once, before the first trial.</summary>
    void Attach(IExperimentView view) { }

    /// <summary>Decisions for trials other than the one in hand, e.g. the paused trials HyperBand's halving
    /// drops (<see cref="TrialDecision.Stop"/>) or synchronous PBT's exploit of a paused trial
    /// (<see cref="TrialDecision.Restart"/>). Polled after every call into the scheduler; each decision is
    /// returned once. <value>The default returns none.</value></summary>
    IReadOnlyList<KeyValuePair<string, TrialDecision>> TakeDecisions() => [];

    /// <summary>Whether the scheduler may still need this checkpoint folder (e.g. PBT's exploit source), so that
    /// checkpoint retention keeps it. <value>The default returns false.</value></summary>
    bool NeedsCheckpoint(string path) => false;

    /// <summary>The keys every result must hold for this scheduler (after <see cref="Setup"/>): its metric and time
    /// attribute, so that a misspelt one fails at the first result, as in Ray, rather than stopping nothing.</summary>
    IReadOnlyList<RequiredResultKey> RequiredResultKeys => [];

    /// <summary>Lines for the status view, e.g. <c>Using FIFO scheduling algorithm.</c></summary>
    IReadOnlyList<string> StatusLines() => [$"Using {GetType().Name}."];

    /// <summary>The scheduler's state as a versioned JSON record.</summary>
    JsonObject SaveState() => new() { ["version"] = 1 };

    /// <summary>Restores what <see cref="SaveState"/> wrote.</summary>
    void RestoreState(JsonObject state) { }
}

/// <summary>What a scheduler may read of the experiment besides the trial in hand.</summary>
public interface IExperimentView
{
    /// <summary>Trials waiting to run (pending or paused).</summary>
    int WaitingCount { get; }

    /// <summary>Trials running now.</summary>
    int RunningCount { get; }

    /// <summary>The experiment folder (PBT writes its policy logs there, as Ray does).</summary>
    string ExperimentPath { get; }

    /// <summary>The logical resources all trials share.</summary>
    Resources Capacity { get; }

    /// <summary>What the live (running, pending and paused) trials ask for together, each its current amount.</summary>
    Resources LiveTrialResources { get; }

    /// <summary>Whether a paused trial saves its state first, so that it resumes exactly where it stopped (class
    /// trainables, through <see cref="Trainable.SaveCheckpoint"/>); otherwise it resumes from the last checkpoint it
    /// reported. <value>The default value is false.</value></summary>
    bool SavesOnPause => false;

    /// <summary>Whether no more trials will be added: the searcher has no more to suggest, or NumSamples is reached.
    /// <value>The default value is false.</value></summary>
    bool SearchFinished => false;

    /// <summary>Whether the experiment is ending: decisions now are not carried out. <value>The default value is false.</value></summary>
    bool Stopping => false;
}

/// <summary>What a scheduler decides for a trial (Ray's CONTINUE / PAUSE / STOP, plus PBT's exploit).</summary>
public readonly record struct TrialDecision
{
    private TrialDecision(TrialAction action, Config? newConfig, string? fromCheckpoint, Resources? newResources = null, bool saveCheckpoint = false)
    {
        Action = action;
        NewConfig = newConfig;
        FromCheckpoint = fromCheckpoint;
        NewResources = newResources;
        SaveCheckpoint = saveCheckpoint;
    }

    /// <summary>The action.</summary>
    public TrialAction Action { get; }
    /// <summary>For <see cref="TrialAction.Restart"/>: the config to continue with.</summary>
    public Config? NewConfig { get; }
    /// <summary>For <see cref="TrialAction.Restart"/>: the checkpoint folder to continue from (another trial's, for PBT).</summary>
    public string? FromCheckpoint { get; }

    /// <summary>For <see cref="TrialAction.Restart"/>: the resources to continue with, or null to keep them.</summary>
    public Resources? NewResources { get; }

    /// <summary>For <see cref="TrialAction.Continue"/>: save the trial's state now (a class trainable's
    /// <see cref="Trainable.SaveCheckpoint"/>; Ray's forced save of PBT's top trials). A function trainable saves
    /// only when it reports a checkpoint itself, so for it this changes nothing.</summary>
    public bool SaveCheckpoint { get; }

    /// <summary>Keep running.</summary>
    public static TrialDecision Continue { get; } = new(TrialAction.Continue, null, null);
    /// <summary>Keep running, after saving a checkpoint (see <see cref="SaveCheckpoint"/>).</summary>
    public static TrialDecision SaveAndContinue { get; } = new(TrialAction.Continue, null, null, saveCheckpoint: true);
    /// <summary>Pause: free the resources; the trial resumes from its checkpoint when chosen again.</summary>
    public static TrialDecision Pause { get; } = new(TrialAction.Pause, null, null);
    /// <summary>Stop for good.</summary>
    public static TrialDecision Stop { get; } = new(TrialAction.Stop, null, null);

    /// <summary>Restart the trial with <paramref name="newConfig"/> from the checkpoint in
    /// <paramref name="fromCheckpoint"/> (copied into this trial; PBT's exploit), or from its own latest
    /// checkpoint when that is null.</summary>
    public static TrialDecision Restart(Config newConfig, string? fromCheckpoint) => new(TrialAction.Restart, newConfig, fromCheckpoint);

    /// <summary>Restart the trial from its own latest checkpoint with other resources (Ray's
    /// <c>ResourceChangingScheduler</c>).</summary>
    public static TrialDecision Reallocate(Resources resources) => new(TrialAction.Restart, null, null, resources);

    /// <summary>Merges two decisions by Ray's precedence: Stop over Restart over Pause over Continue.</summary>
    public static TrialDecision Strongest(TrialDecision a, TrialDecision b) => a.Action >= b.Action ? a : b;
}

/// <summary>The kinds of <see cref="TrialDecision"/>, in increasing precedence.</summary>
public enum TrialAction
{
    /// <summary>Keep running.</summary>
    Continue,
    /// <summary>Pause.</summary>
    Pause,
    /// <summary>Restart with a new config and checkpoint.</summary>
    Restart,
    /// <summary>Stop.</summary>
    Stop,
}
