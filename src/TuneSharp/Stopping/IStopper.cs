using System.Text.Json.Nodes;

namespace TuneSharp.Stopping;

/// <summary>
/// The stopper seam (Ray Tune's <c>tune.Stopper</c>): asked after every result whether that trial, or the
/// whole experiment, should stop. Called only from the controller's loop.
/// </summary>
public interface IStopper
{
    /// <summary>Whether the trial that reported <paramref name="result"/> should stop.</summary>
    bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result);

    /// <summary>Whether every trial should stop now (checked after each result).</summary>
    bool ShouldStopAll() => false;

    /// <summary>Checks the stopper's settings when the experiment starts, before any trial runs.</summary>
    void Validate() { }

    /// <summary>The keys every result must hold for this stopper (the metric it watches), checked at every result.</summary>
    IReadOnlyList<RequiredResultKey> RequiredResultKeys => [];

    /// <summary>What the stopper has counted so far, written into each experiment snapshot so that a restored experiment
    /// goes on from it (Ray saves its stopper with the experiment state): a timeout's time used, a trial's results so
    /// far. Null when there is nothing to keep. <value>The default returns null.</value></summary>
    JsonObject? SaveState() => null;

    /// <summary>Takes back what <see cref="SaveState"/> wrote, when an experiment is restored (before any trial runs). The
    /// restore then passes <see cref="ShouldStopTrial"/> the results the trials wrote after that snapshot (a crash kept them
    /// out of it, and the trials go on from them), in order; its answers to those are not acted on.</summary>
    void RestoreState(JsonObject state) { }
}

/// <summary>A base class for stoppers, so that they convert to <see cref="StopCriteria"/> implicitly.</summary>
public abstract class Stopper : IStopper
{
    /// <inheritdoc />
    public abstract bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result);

    /// <inheritdoc />
    public virtual bool ShouldStopAll() => false;

    /// <inheritdoc />
    public virtual void Validate() { }

    /// <inheritdoc />
    public virtual IReadOnlyList<RequiredResultKey> RequiredResultKeys => [];

    /// <inheritdoc />
    public virtual JsonObject? SaveState() => null;

    /// <inheritdoc />
    public virtual void RestoreState(JsonObject state) { }

    /// <summary>The states of <paramref name="stoppers"/>, in order and named by type; null when none has any.</summary>
    internal static JsonObject? SaveAll(IEnumerable<IStopper> stoppers)
    {
        var states = new JsonArray();
        bool any = false;
        foreach (IStopper stopper in stoppers)
        {
            JsonObject? state = stopper.SaveState();
            any |= state is not null;
            states.Add(new JsonObject { ["type"] = stopper.GetType().Name, ["state"] = state });
        }
        return any ? new JsonObject { ["stoppers"] = states } : null;
    }

    /// <summary>Gives each of <paramref name="stoppers"/> its state from <see cref="SaveAll"/>, matched by position and type.</summary>
    internal static void RestoreAll(IReadOnlyList<IStopper> stoppers, JsonObject state)
    {
        if (state["stoppers"] is not JsonArray states)
            return;
        for (int i = 0; i < Math.Min(states.Count, stoppers.Count); i++)
            if (states[i] is JsonObject saved && saved["type"]?.GetValue<string>() == stoppers[i].GetType().Name
                && saved["state"] is JsonObject inner)
                stoppers[i].RestoreState(inner);
    }
}

/// <summary>
/// <c>RunConfig.Stop</c>: metric thresholds set with the indexer (a trial stops when any reported value
/// reaches its threshold, <c>result[key] &gt;= value</c>, as Ray), a predicate, or any <see cref="IStopper"/>.
/// </summary>
public sealed class StopCriteria : IStopper
{
    private readonly Dictionary<string, double> _thresholds = new();
    private readonly List<IStopper> _stoppers = new();
    private readonly List<Func<string, IReadOnlyDictionary<string, object?>, bool>> _predicates = new();

    /// <summary>Sets the threshold of a metric: stop a trial when its value is at least this.</summary>
    public double this[string metric]
    {
        get => _thresholds[metric];
        set => _thresholds[metric] = value;
    }

    /// <summary>The metric thresholds.</summary>
    public IReadOnlyDictionary<string, double> Thresholds => _thresholds;

    /// <summary>Criteria from a stopper.</summary>
    public static StopCriteria From(IStopper stopper)
    {
        var criteria = new StopCriteria();
        criteria._stoppers.Add(stopper);
        return criteria;
    }

    /// <summary>Criteria from a predicate over (trial id, result).</summary>
    public static StopCriteria From(Func<string, IReadOnlyDictionary<string, object?>, bool> predicate)
    {
        var criteria = new StopCriteria();
        criteria._predicates.Add(predicate);
        return criteria;
    }

    /// <summary>Stop on a built-in or custom <see cref="Stopper"/>.</summary>
    public static implicit operator StopCriteria(Stopper stopper) => From(stopper);

    /// <summary>Stop on a predicate over (trial id, result).</summary>
    public static implicit operator StopCriteria(Func<string, IReadOnlyDictionary<string, object?>, bool> predicate) => From(predicate);

    /// <summary>Stop on metric thresholds.</summary>
    public static implicit operator StopCriteria(Dictionary<string, double> thresholds)
    {
        var criteria = new StopCriteria();
        foreach (var (key, value) in thresholds)
            criteria[key] = value;
        return criteria;
    }

    /// <inheritdoc />
    public bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result)
    {
        bool stop = false;
        foreach (var (key, threshold) in _thresholds)
            if (ResultFields.TryGetDouble(result, key, out double value) && value >= threshold)
                stop = true;
        // Every stopper sees every result: plateau stoppers keep history.
        foreach (IStopper stopper in _stoppers)
            stop |= stopper.ShouldStopTrial(trialId, result);
        foreach (var predicate in _predicates)
            stop |= predicate(trialId, result);
        return stop;
    }

    /// <inheritdoc />
    public bool ShouldStopAll() => _stoppers.Any(s => s.ShouldStopAll());

    /// <inheritdoc />
    public void Validate()
    {
        foreach (IStopper stopper in _stoppers)
            stopper.Validate();
    }

    /// <inheritdoc />
    public IReadOnlyList<RequiredResultKey> RequiredResultKeys =>
        _thresholds.Keys.Select(k => new RequiredResultKey(k, "RunConfig.Stop")).Concat(_stoppers.SelectMany(s => s.RequiredResultKeys)).ToList();

    /// <inheritdoc />
    public JsonObject? SaveState() => Stopper.SaveAll(_stoppers);

    /// <inheritdoc />
    public void RestoreState(JsonObject state) => Stopper.RestoreAll(_stoppers, state);
}
