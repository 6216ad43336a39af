using System.Text.Json;
using TuneSharp.Search;
using TuneSharp.Storage;

namespace TuneSharp.Schedulers;

/// <summary>
/// Replays the hyperparameter schedule one PBT trial followed (Ray Tune's <c>PopulationBasedTrainingReplay</c>):
/// a single trial starts from the schedule's first config and switches config at each logged step, from
/// its own latest checkpoint. Run it with one sample; whatever the search space draws is replaced by the schedule's
/// first config, as in Ray (<see cref="InitialSpace"/> gives a search space that says so).
/// </summary>
public sealed class PopulationBasedTrainingReplay : ITrialScheduler
{
    private readonly IReadOnlyList<(long Step, Config Config)> _schedule;
    private int _next;
    private string? _trialId;

    /// <summary>Reads a <c>pbt_policy_&lt;trial id&gt;.txt</c> file written by <see cref="PopulationBasedTraining"/>.</summary>
    /// <exception cref="TuneException">The file is missing or is not a PBT policy log.</exception>
    public PopulationBasedTrainingReplay(string policyFile)
    {
        string path = HomePath.Expand(policyFile);
        if (!File.Exists(path))
            throw new TuneException($"PopulationBasedTrainingReplay: the policy file '{path}' does not exist. Pass a pbt_policy_<trial id>.txt from a PBT experiment folder.");
        var steps = new List<(string Target, string Source, long SourceStep, Config SourceConfig, Config NewConfig)>();
        foreach (string line in File.ReadLines(path).Where(l => l.Length > 0))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                var e = document.RootElement.EnumerateArray().ToList();
                steps.Add((e[0].GetString()!, e[1].GetString()!, e[3].GetInt64(), Config.FromJson(e[4]), Config.FromJson(e[5])));
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentOutOfRangeException or FormatException)
            {
                throw new TuneException($"PopulationBasedTrainingReplay: '{path}' is not a PBT policy log (bad line: {line}).", ex);
            }
        }
        // Walk back from the last exploit while each step's target is the next step's source: that chain is
        // the lineage whose state the trial ended with (earlier steps were overwritten by later exploits).
        var schedule = new List<(long, Config)>();
        string? expectedTarget = null;
        Config? initial = null;
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            var step = steps[i];
            if (expectedTarget is not null && step.Target != expectedTarget)
                break;
            expectedTarget = step.Source;
            initial = step.SourceConfig;
            schedule.Add((step.SourceStep, step.NewConfig));
        }
        schedule.Reverse();
        _schedule = schedule;
        InitialConfig = initial ?? throw new TuneException($"PopulationBasedTrainingReplay: '{path}' holds no exploit step; there is nothing to replay.");
    }

    /// <summary>The config the replayed lineage started with.</summary>
    public Config InitialConfig { get; }

    /// <summary>(step, config) pairs: from that training iteration on, the config in force.</summary>
    public IReadOnlyList<(long Step, Config Config)> Schedule => _schedule;

    /// <summary>A search space of constants holding <see cref="InitialConfig"/>, to pass to the Tuner.</summary>
    public SearchSpace InitialSpace() => SearchSpace.From(InitialConfig);

    /// <inheritdoc />
    public void Setup(string? metric, Mode? mode, int? seed) { }

    /// <summary>The trial starts from the schedule's first config whatever the search space drew (Ray's replay
    /// overwrites it too).</summary>
    public Config CompleteConfig(Config config) => InitialConfig;

    /// <inheritdoc />
    public void OnTrialAdd(TrialInfo trial)
    {
        if (_trialId is not null && _trialId != trial.TrialId)
            throw new TuneException("PopulationBasedTrainingReplay replays one schedule: set TuneConfig.NumSamples = 1.");
        _trialId = trial.TrialId;
    }

    /// <inheritdoc />
    public TrialDecision OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
    {
        if (_next >= _schedule.Count || !ResultFields.TryGetDouble(result, ResultFields.TrainingIteration, out double iteration)
            || iteration < _schedule[_next].Step)
            return TrialDecision.Continue;
        Config config = _schedule[_next++].Config;
        return TrialDecision.Restart(config, null); // continue from its own latest checkpoint with the next config
    }

    /// <inheritdoc />
    public IReadOnlyList<string> StatusLines() => [$"PopulationBasedTrainingReplay: {_next} of {_schedule.Count} config changes replayed"];
}
