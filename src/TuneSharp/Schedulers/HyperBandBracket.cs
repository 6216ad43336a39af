using System.Text.Json.Nodes;

namespace TuneSharp.Schedulers;

/// <summary>
/// One synchronous HyperBand bracket (Li et al. 2017, "Hyperband", Algorithm 1, one value of s): up to n
/// trials run to the milestone r; then the best 1/η continue to r·η and the rest stop, s times.
/// </summary>
internal sealed class HyperBandBracket
{
    // Live trials and their latest (time, signed metric); insertion order is kept for fair scheduling.
    private readonly Dictionary<string, (double Time, double Value)?> _live = new();
    private readonly List<string> _all = new();
    private readonly double _eta, _maxT;
    private readonly bool _stopLastTrials;
    private readonly double _totalWork;

    public HyperBandBracket(int maxTrials, double initialT, double maxT, double eta, int s, bool stopLastTrials)
    {
        N = N0 = maxTrials;
        Milestone = initialT;
        _maxT = maxT;
        _eta = eta;
        Halvings = InitialHalvings = s;
        _stopLastTrials = stopLastTrials;
        _totalWork = TotalWork(maxTrials, initialT, s);
    }

    public int N0 { get; }
    /// <summary>How many trials the current round keeps.</summary>
    public int N { get; private set; }
    /// <summary>The time every live trial must reach before the next halving.</summary>
    public double Milestone { get; private set; }
    /// <summary>s: the halvings of a fresh bracket.</summary>
    public int InitialHalvings { get; }
    /// <summary>Halvings left.</summary>
    public int Halvings { get; private set; }
    public double CompletedWork { get; private set; }
    public IReadOnlyCollection<string> LiveTrials => _live.Keys;
    public IReadOnlyList<string> AllTrials => _all;

    public void Add(string trialId)
    {
        _live[trialId] = null;
        _all.Add(trialId);
    }

    public bool Contains(string trialId) => _live.ContainsKey(trialId);

    public void Update(string trialId, double time, double signedValue)
    {
        double previous = _live.GetValueOrDefault(trialId)?.Time ?? 0;
        CompletedWork += Math.Max(0, time - previous);
        _live[trialId] = (time, signedValue);
    }

    public void Remove(string trialId) => _live.Remove(trialId);

    public bool CurrentRoundDone => _live.Values.All(r => (r?.Time ?? 0) >= Milestone);

    public bool Finished => _stopLastTrials && Halvings == 0 && CurrentRoundDone;

    /// <summary>Whether the trial should keep running in this round.</summary>
    public bool ShouldContinue(string trialId) =>
        (!_stopLastTrials && Halvings == 0) || (_live.GetValueOrDefault(trialId)?.Time ?? 0) < Milestone;

    /// <summary>Keeps the best ⌈n/η⌉ live trials and moves the milestone up by η (capped at MaxT).</summary>
    public (IReadOnlyList<string> Good, IReadOnlyList<string> Bad) Halve()
    {
        if (Halvings == 0)
            return (_live.Keys.ToList(), []);
        Halvings--;
        N = (int)Math.Ceiling(N / _eta);
        Milestone = Math.Min(Milestone * _eta, _maxT);
        // Ties keep the earlier trial, as a stable sort would.
        var ranked = _live.OrderByDescending(kv => kv.Value?.Value ?? double.NegativeInfinity).Select(kv => kv.Key).ToList();
        return (ranked.Take(N).ToList(), ranked.Skip(N).ToList());
    }

    public double Completion => Finished ? 1.0 : _totalWork <= 0 ? 0 : Math.Min(CompletedWork / _totalWork, 1.0);

    private double TotalWork(int n, double r, int s)
    {
        double work = 0;
        for (int i = 0; i <= s; i++)
        {
            work += n * r;
            n = (int)Math.Ceiling(n / _eta);
            r = Math.Min(r * _eta, _maxT);
        }
        return work;
    }

    public string Describe(ISet<string> paused) =>
        $"Bracket(Max Size (n)={N}, Milestone (r)={Milestone:0.###}, completed={Completion:P1}): " +
        $"{{LIVE: {_live.Count}, PAUSED: {_live.Keys.Count(paused.Contains)}, ENDED: {_all.Count - _live.Count}}}";

    public JsonObject SaveState() => new()
    {
        ["n"] = N,
        ["milestone"] = Milestone,
        ["halvings"] = Halvings,
        ["completed_work"] = CompletedWork,
        ["all"] = new JsonArray(_all.Select(id => (JsonNode)id!).ToArray()),
        ["live"] = new JsonObject(_live.Select(kv => KeyValuePair.Create(kv.Key,
            kv.Value is { } r ? (JsonNode?)new JsonArray(r.Time, r.Value) : null))),
    };

    public static HyperBandBracket Restore(JsonObject state, int n0, double initialT, double maxT, double eta, int s, bool stopLastTrials)
    {
        var bracket = new HyperBandBracket(n0, initialT, maxT, eta, s, stopLastTrials)
        {
            N = state["n"]!.GetValue<int>(),
            Milestone = state["milestone"]!.GetValue<double>(),
            Halvings = state["halvings"]!.GetValue<int>(),
            CompletedWork = JsonValues.ReadDouble(state["completed_work"]!),
        };
        foreach (JsonNode? id in state["all"]!.AsArray())
            bracket._all.Add(id!.GetValue<string>());
        foreach (var (id, value) in state["live"]!.AsObject())
            bracket._live[id] = value is JsonArray pair ? (JsonValues.ReadDouble(pair[0]!), JsonValues.ReadDouble(pair[1]!)) : null;
        return bracket;
    }
}
