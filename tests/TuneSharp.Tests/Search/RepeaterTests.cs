using System.Text.Json.Nodes;
using TuneSharp.Search;

namespace TuneSharp.Tests.Search;

public class RepeaterTests
{
    private static readonly SearchSpace Space = new() { ["x"] = Tune.Uniform(0, 1) };

    /// <summary>Suggests x = 0.1, 0.2, … and records what it is told.</summary>
    private sealed class RecordingSearcher : ISearcher
    {
        private int _next;
        public List<(string Id, IReadOnlyDictionary<string, object?>? Result, bool Error)> Completed { get; } = [];
        public void Setup(SearcherSetup setup) { }
        public Suggestion Suggest(string trialId) =>
            Suggestion.For(new Config(new Dictionary<string, object?> { ["x"] = ++_next / 10.0 }), ["x"]);
        public void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error) => Completed.Add((trialId, result, error));
        public JsonObject SaveState() => new() { ["next"] = _next };
        public void RestoreState(JsonObject state) => _next = state["next"]!.GetValue<int>();
    }

    private static Repeater Wrap(ISearcher inner, int repeat)
    {
        var repeater = new Repeater(inner, repeat);
        repeater.Setup(new SearcherSetup(Space, "loss", Mode.Min, -1, 1));
        return repeater;
    }

    [Fact]
    public void Suggest_RepeatThree_GivesEachConfigThreeTimesWithItsIndex()
    {
        var repeater = Wrap(new RecordingSearcher(), 3);

        var configs = Enumerable.Range(0, 4).Select(i => repeater.Suggest($"t{i}").Config!).ToList();

        Assert.Equal([0.1, 0.1, 0.1, 0.2], configs.Select(c => c.Get<double>("x")));
        Assert.Equal([0L, 1L, 2L, 0L], configs.Select(c => c.Get<long>(Repeater.TrialIndexKey)));
    }

    [Fact]
    public void OnTrialComplete_WholeGroup_TellsTheSearcherTheMeanOnceUnderTheFirstTrial()
    {
        var inner = new RecordingSearcher();
        var repeater = Wrap(inner, 3);
        for (int i = 0; i < 3; i++)
            repeater.Suggest($"t{i}");

        repeater.OnTrialComplete("t1", new Dictionary<string, object?> { ["loss"] = 2.0 }, error: false);
        repeater.OnTrialComplete("t0", new Dictionary<string, object?> { ["loss"] = 4.0 }, error: false);
        Assert.Empty(inner.Completed);
        repeater.OnTrialComplete("t2", null, error: true);

        var (id, result, error) = Assert.Single(inner.Completed);
        Assert.Equal(("t0", 3.0, false), (id, (double)result!["loss"]!, error));
    }

    [Fact]
    public void SaveRestore_MidGroup_ContinuesTheGroup()
    {
        var repeater = Wrap(new RecordingSearcher(), 2);
        repeater.Suggest("t0");
        repeater.OnTrialComplete("t0", new Dictionary<string, object?> { ["loss"] = 1.0 }, error: false);

        var inner = new RecordingSearcher();
        var restored = Wrap(inner, 2);
        restored.RestoreState(JsonNode.Parse(repeater.SaveState().ToJsonString())!.AsObject());
        Config second = restored.Suggest("t1").Config!;
        restored.OnTrialComplete("t1", new Dictionary<string, object?> { ["loss"] = 3.0 }, error: false);

        Assert.Equal((0.1, 1L), (second.Get<double>("x"), second.Get<long>(Repeater.TrialIndexKey)));
        Assert.Equal(2.0, (double)Assert.Single(inner.Completed).Result!["loss"]!);
    }

    [Fact]
    public async Task FitAsync_TpeRepeatedThreeTimes_RunsEveryConfigThreeTimes()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(trial => trial.Report(new Metrics { ["loss"] = trial.Config.Get<double>("x") + trial.Config.Get<long>(Repeater.TrialIndexKey) }),
            Space, new TuneConfig { NumSamples = 12, Metric = "loss", Mode = Mode.Min, Seed = 3, SearchAlg = new Repeater(new TpeSearch(), 3) },
            new RunConfig { StoragePath = temp.Path, Name = "repeat", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(12, grid.Count);
        Assert.All(grid.GroupBy(r => r.Config.Get<double>("x")), g => Assert.Equal([0L, 1L, 2L], g.Select(r => r.Config.Get<long>(Repeater.TrialIndexKey)).Order()));
    }
}
