using System.Text.Json.Nodes;
using TuneSharp.Search;

namespace TuneSharp.Tests.Search;

public class ConcurrencyLimiterTests
{
    private static readonly SearchSpace Space = new() { ["x"] = Tune.Uniform(0, 1) };

    private static Dictionary<string, object?> Loss(double value) => new() { ["loss"] = value };

    private static ConcurrencyLimiter Limit(int max, bool batch = false, ISearcher? inner = null)
    {
        var limiter = new ConcurrencyLimiter(inner ?? new TpeSearch(), max, batch);
        limiter.Setup(new SearcherSetup(Space, "loss", Mode.Min, -1, 1));
        return limiter;
    }

    [Fact]
    public void Suggest_AtTheLimit_IsNotReadyUntilATrialCompletes()
    {
        var limiter = Limit(2);

        Assert.Equal(SuggestionKind.Config, limiter.Suggest("a").Kind);
        Assert.Equal(SuggestionKind.Config, limiter.Suggest("b").Kind);
        Assert.Equal(SuggestionKind.NotReady, limiter.Suggest("c").Kind);
        limiter.OnTrialComplete("a", Loss(1), error: false);

        Assert.Equal(SuggestionKind.Config, limiter.Suggest("c").Kind);
    }

    [Fact]
    public void OnTrialComplete_Batch_ForwardsOnlyWhenTheWholeBatchHasFinished()
    {
        var inner = new TpeSearch();
        var limiter = Limit(2, batch: true, inner);
        limiter.Suggest("a");
        limiter.Suggest("b");

        limiter.OnTrialComplete("a", Loss(1), error: false);
        Assert.Empty(inner.SaveState()["losses"]!.AsArray());
        Assert.Equal(SuggestionKind.NotReady, limiter.Suggest("c").Kind);
        limiter.OnTrialComplete("b", Loss(2), error: false);

        Assert.Equal(2, inner.SaveState()["losses"]!.AsArray().Count);
        Assert.Equal(SuggestionKind.Config, limiter.Suggest("c").Kind);
    }

    [Fact]
    public void SaveRestore_MidBatch_KeepsLiveAndHeldBackTrials()
    {
        var limiter = Limit(2, batch: true);
        limiter.Suggest("a");
        limiter.Suggest("b");
        limiter.OnTrialComplete("a", Loss(1), error: false);

        var restored = Limit(2, batch: true);
        restored.RestoreState(JsonNode.Parse(limiter.SaveState().ToJsonString())!.AsObject());
        restored.OnTrialComplete("b", Loss(2), error: false);

        Assert.Equal(2, ((TpeSearch)restored.Searcher).SaveState()["losses"]!.AsArray().Count);
    }

    [Fact]
    public void Setup_ZeroLimit_FailsNamingTheOption()
    {
        var error = Assert.Throws<TuneException>(() => Limit(0));

        Assert.Contains("MaxConcurrent is 0", error.Message);
    }

    [Fact]
    public async Task FitAsync_LimitOfOne_MakesEverySuggestionKnowEveryEarlierResult()
    {
        using var temp = new TempDirectory();
        var tpe = new TpeSearch();
        var tuner = new Tuner(trial => trial.Report(new Metrics { ["loss"] = trial.Config.Get<double>("x") }), Space,
            new TuneConfig { NumSamples = 15, Metric = "loss", Mode = Mode.Min, Seed = 2, SearchAlg = new ConcurrencyLimiter(tpe, 1) },
            new RunConfig { StoragePath = temp.Path, Name = "limited", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(15, grid.Count);
        JsonObject state = tpe.SaveState();
        Assert.Equal(15, state["losses"]!.AsArray().Count);
        Assert.Empty(state["running"]!.AsArray());
    }
}
