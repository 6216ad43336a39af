using System.Text.Json.Nodes;

namespace TuneSharp.Schedulers;

/// <summary>
/// Gives running trials more (or fewer) resources as the population changes, on top of another scheduler
/// (Ray Tune's <c>ResourceChangingScheduler</c>): after each result the base scheduler decides; when it
/// lets the trial continue and <see cref="ResourcesAllocationFunction"/> proposes other resources, the
/// trial is paused and continues with them: a class trainable from a checkpoint saved at the pause, a function
/// trainable from the last checkpoint it reported (one that has reported none keeps what it has).
/// The trainable reads its share from <see cref="TrialContext.Resources"/> (e.g. as its thread count).
/// </summary>
public sealed class ResourceChangingScheduler(ITrialScheduler? baseScheduler = null) : ITrialScheduler
{
    private readonly Dictionary<string, Resources> _base = new();
    private IExperimentView? _view;

    /// <summary>The scheduler that makes the other decisions. <value>The default is a <see cref="FifoScheduler"/>.</value></summary>
    public ITrialScheduler BaseScheduler { get; } = baseScheduler ?? new FifoScheduler();

    /// <summary>Proposes a trial's resources from (trial, the experiment's view, the trial's initial resources);
    /// null keeps them. <value>The default is <see cref="DistributeResources"/> with its defaults, as Ray's.</value></summary>
    public Func<TrialInfo, IExperimentView, Resources, Resources?> ResourcesAllocationFunction { get; init; } = new DistributeResources().Allocate;

    /// <inheritdoc />
    public void Setup(string? metric, Mode? mode, int? seed) => BaseScheduler.Setup(metric, mode, seed);

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys => BaseScheduler.RequiredResultKeys;

    /// <inheritdoc />
    public void Attach(IExperimentView view)
    {
        _view = view;
        BaseScheduler.Attach(view);
    }

    /// <inheritdoc />
    public Config CompleteConfig(Config config) => BaseScheduler.CompleteConfig(config);

    /// <inheritdoc />
    public void OnTrialAdd(TrialInfo trial)
    {
        _base[trial.TrialId] = trial.Resources;
        BaseScheduler.OnTrialAdd(trial);
    }

    /// <inheritdoc />
    public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
    {
        TrialDecision decision = BaseScheduler.OnTrialResult(trial, result);
        // A class trainable saves when it is paused for the change; a function trainable continues from the last
        // checkpoint it reported, so without one it would start over and is left as it is.
        if (decision.Action != TrialAction.Continue || _view is null || (trial.LatestCheckpoint is null && !_view.SavesOnPause))
            return decision;
        Resources? proposed = ResourcesAllocationFunction(trial, _view, _base.GetValueOrDefault(trial.TrialId, trial.Resources));
        return proposed is null || SameAmounts(proposed, trial.Resources) ? decision : TrialDecision.Reallocate(proposed);
    }

    private static bool SameAmounts(Resources a, Resources b) =>
        a.Cpu == b.Cpu && a.Gpu == b.Gpu && a.Custom.Count == b.Custom.Count
        && a.Custom.All(kv => b.Custom.TryGetValue(kv.Key, out double v) && v == kv.Value);

    /// <inheritdoc />
    public void OnTrialComplete(TrialInfo trial, IReadOnlyDictionary<string, object?>? result) => BaseScheduler.OnTrialComplete(trial, result);
    /// <inheritdoc />
    public void OnTrialRemove(TrialInfo trial) => BaseScheduler.OnTrialRemove(trial);
    /// <inheritdoc />
    public void OnTrialError(TrialInfo trial) => BaseScheduler.OnTrialError(trial);
    /// <inheritdoc />
    public TrialInfo? ChooseTrialToRun(IReadOnlyList<TrialInfo> waiting) => BaseScheduler.ChooseTrialToRun(waiting);
    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<string, TrialDecision>> TakeDecisions() => BaseScheduler.TakeDecisions();
    /// <inheritdoc />
    public bool NeedsCheckpoint(string path) => BaseScheduler.NeedsCheckpoint(path);
    /// <inheritdoc />
    public void OnTrialCheckpoint(TrialInfo trial, string checkpointPath) => BaseScheduler.OnTrialCheckpoint(trial, checkpointPath);
    /// <inheritdoc />
    public IReadOnlyList<string> StatusLines() => [.. BaseScheduler.StatusLines(), "Resources change with the population (ResourceChangingScheduler)."];
    /// <inheritdoc />
    public JsonObject SaveState() => new() { ["version"] = 1, ["base"] = BaseScheduler.SaveState() };
    /// <inheritdoc />
    public void RestoreState(JsonObject state) => BaseScheduler.RestoreState(state["base"]!.AsObject());
}
