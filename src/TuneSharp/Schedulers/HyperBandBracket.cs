using System.Globalization;
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

    /// <summary>Keeps the best ⌈n/η⌉ live trials and moves the milestone up by η (capped at MaxT, whole units).</summary>
    public (IReadOnlyList<string> Good, IReadOnlyList<string> Bad) Halve()
    {
        if (Halvings == 0)
            return (_live.Keys.ToList(), []);
        Halvings--;
        N = (int)Math.Ceiling(N / _eta);
        Milestone = NextMilestone(Milestone);
        // Worst first, stably, and the last n kept, as Ray: of two equal trials the later one stays.
        var ranked = _live.OrderBy(kv => kv.Value?.Value ?? double.NegativeInfinity).ThenBy(kv => _all.IndexOf(kv.Key))
            .Select(kv => kv.Key).ToList();
        int bad = Math.Max(0, ranked.Count - N);
        return (ranked.Skip(bad).ToList(), ranked.Take(bad).ToList());
    }

    /// <summary>r·η capped at MaxT and cut to a whole number, as Ray's <c>int(min(r·η, max_t))</c>: with η 2.5 and
    /// MaxT 81 the milestones are 2, 5, 12, 30, 75.</summary>
    private double NextMilestone(double milestone) => Math.Floor(Math.Min(milestone * _eta, _maxT));

    public double Completion => Finished ? 1.0 : _totalWork <= 0 ? 0 : Math.Min(CompletedWork / _totalWork, 1.0);

    private double TotalWork(int n, double r, int s)
    {
        double work = 0;
        for (int i = 0; i <= s; i++)
        {
            work += n * r;
            n = (int)Math.Ceiling(n / _eta);
            r = NextMilestone(r);
        }
        return work;
    }

    public string Describe(ISet<string> paused)
    {
        var c = CultureInfo.InvariantCulture;
        return $"Bracket(Max Size (n)={N}, Milestone (r)={Milestone.ToString("0.###", c)}, completed={Completion.ToString("P1", c)}): " +
            $"{{LIVE: {_live.Count}, PAUSED: {_live.Keys.Count(paused.Contains)}, ENDED: {_all.Count - _live.Count}}}";
    }

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
