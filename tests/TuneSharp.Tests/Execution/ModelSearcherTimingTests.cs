using System.Text.Json.Nodes;
using TuneSharp.Search;

namespace TuneSharp.Tests.Execution;

public class ModelSearcherTimingTests
{
    /// <summary>Records, at each suggestion, how many trials it had been told about.</summary>
    private sealed class RecordingSearcher : ISearcher
    {
        private int _completed;
        public List<int> CompletedAtSuggestion { get; } = new();
        public void Setup(SearcherSetup setup) { }
        public Suggestion Suggest(string trialId)
        {
            CompletedAtSuggestion.Add(_completed);
            return Suggestion.For(new Config(new Dictionary<string, object?> { ["x"] = 1.0 }), ["x"]);
        }
        public void OnTrialComplete(string trialId, IReadOnlyDictionary<string, object?>? result, bool error) => _completed++;
        public JsonObject SaveState() => new() { ["version"] = 1 };
        public void RestoreState(JsonObject state) { }
    }

    [Fact]
    public async Task FitAsync_ModelSearcherOneAtATime_SuggestsOnlyAfterThePreviousTrialEnded()
    {
        using var temp = new TempDirectory();
        var searcher = new RecordingSearcher();
        var tuner = new Tuner(trial => trial.Report(new Metrics { ["y"] = 1.0 }), new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
            new TuneConfig { SearchAlg = searcher, NumSamples = 5, MaxConcurrentTrials = 1, Metric = "y", Mode = Mode.Max },
            new RunConfig { StoragePath = temp.Path, Name = "seq", Verbose = 0 });

        await tuner.FitAsync();

        Assert.Equal([0, 1, 2, 3, 4], searcher.CompletedAtSuggestion);
    }
}
