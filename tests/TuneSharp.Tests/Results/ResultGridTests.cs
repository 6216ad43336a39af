using TuneSharp.Results;

namespace TuneSharp.Tests.Results;

/// <summary>GetBestResult over in-memory results, one series per trial designed so each scope picks another trial.</summary>
public class ResultGridTests
{
    // Twelve values each. Last: A (10). Avg: B (5). Last5Avg: C (3.8). Last10Avg: D (3). All (max): E (50).
    internal static readonly Dictionary<string, double[]> Series = new()
    {
        ["A"] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10],
        ["B"] = [30, 30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ["C"] = [0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, -1],
        ["D"] = [-10, -10, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
        ["E"] = [50, -50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    };

    internal static Result InMemory(string name, IEnumerable<double> values, string metric = "score")
    {
        var analysis = new MetricAnalysis();
        Dictionary<string, object?>? last = null;
        long iteration = 0;
        foreach (double value in values)
        {
            last = new Dictionary<string, object?> { [metric] = value, [ResultFields.TrainingIteration] = ++iteration };
            analysis.Add(last);
        }
        return new Result(name, name, TrialStatus.Terminated, Path.Combine("/nonexistent", name),
            new Config(new Dictionary<string, object?> { ["name"] = name }), last, [], null, analysis);
    }

    private static ResultGrid Grid(params Result[] results) => new("/nonexistent", results, "score", Mode.Max);

    private static ResultGrid SeriesGrid() => Grid(Series.Select(kv => InMemory(kv.Key, kv.Value)).ToArray());

    [Theory]
    [InlineData(MetricScope.Last, "A")]
    [InlineData(MetricScope.Avg, "B")]
    [InlineData(MetricScope.Last5Avg, "C")]
    [InlineData(MetricScope.Last10Avg, "D")]
    [InlineData(MetricScope.All, "E")]
    public void GetBestResult_EachScope_PicksTheTrialBestUnderIt(MetricScope scope, string expected)
    {
        Assert.Equal(expected, SeriesGrid().GetBestResult(scope: scope).TrialId);
    }

    [Theory]
    [InlineData(MetricScope.Last, "C")]   // last values: A 10, B 0, C -1, D 3, E 0
    [InlineData(MetricScope.Avg, "E")]   // E averages 0, C 1.58, A 0.83 … lowest is E (0)
    [InlineData(MetricScope.All, "E")]   // min over all: E -50
    public void GetBestResult_MinMode_PicksTheLowest(MetricScope scope, string expected)
    {
        Assert.Equal(expected, SeriesGrid().GetBestResult("score", Mode.Min, scope).TrialId);
    }

    [Fact]
    public void MetricAnalysis_Scopes_MatchHandComputedValues()
    {
        var c = InMemory("C", Series["C"]).Analysis;
        Assert.Equal(-1, c.Get("score", MetricScope.Last, Mode.Max));
        Assert.Equal(19.0 / 12, c.Get("score", MetricScope.Avg, Mode.Max)!.Value, 12);
        Assert.Equal(19.0 / 5, c.Get("score", MetricScope.Last5Avg, Mode.Max)!.Value, 12);
        Assert.Equal(19.0 / 10, c.Get("score", MetricScope.Last10Avg, Mode.Max)!.Value, 12);
        Assert.Equal(5, c.Get("score", MetricScope.All, Mode.Max));
        Assert.Equal(-1, c.Get("score", MetricScope.All, Mode.Min));
        Assert.Null(c.Get("missing", MetricScope.Last, Mode.Max));
    }

    [Fact]
    public void GetBestResult_NanAndInfinity_AreSkippedUnlessUnfiltered()
    {
        var grid = Grid(InMemory("nan", [1, double.NaN]), InMemory("inf", [1, double.PositiveInfinity]), InMemory("finite", [2, 3]));
        Assert.Equal("finite", grid.GetBestResult().TrialId);
        // Unfiltered, as Ray's get_best_trial: +inf wins in max mode, and a NaN met first is never displaced
        // (nothing compares better than NaN).
        Assert.Equal("nan", grid.GetBestResult(filterNanAndInf: false).TrialId);
        Assert.Equal("inf", Grid(grid[1], grid[2]).GetBestResult(filterNanAndInf: false).TrialId);
    }

    [Fact]
    public void GetBestResult_TrialsWithoutTheMetric_AreSkipped()
    {
        var grid = Grid(InMemory("other", [100], metric: "acc"), InMemory("scored", [1]));
        Assert.Equal("scored", grid.GetBestResult().TrialId);
    }

    [Fact]
    public void GetBestResult_NoTrialReportedIt_ThrowsListingWhatWasReported()
    {
        var grid = Grid(InMemory("a", [1], metric: "acc"), InMemory("b", [1], metric: "val_loss"));
        var error = Assert.Throws<TuneException>(() => grid.GetBestResult("loss", Mode.Min));
        Assert.Contains("'loss'", error.Message);
        Assert.Contains("acc", error.Message);
        Assert.Contains("val_loss", error.Message);
    }

    [Fact]
    public void GetBestResult_NoMetricAnywhere_ThrowsNamingTheOption()
    {
        var grid = new ResultGrid("/nonexistent", [InMemory("a", [1]), InMemory("b", [2])], null, null);
        Assert.Contains("TuneConfig.Metric", Assert.Throws<TuneException>(() => grid.GetBestResult()).Message);
        Assert.Contains("Mode", Assert.Throws<TuneException>(() => grid.GetBestResult("score")).Message);
        Assert.Equal("b", grid.GetBestResult("score", Mode.Max).TrialId);
    }

    [Fact]
    public void GetBestResult_NestedMetric_IsFoundByItsFlattenedName()
    {
        static Result Nested(string name, double loss)
        {
            var analysis = new MetricAnalysis();
            var result = new Dictionary<string, object?> { ["val"] = new Dictionary<string, object?> { ["loss"] = loss } };
            analysis.Add(result);
            return new Result(name, name, TrialStatus.Terminated, "/nonexistent/" + name, Config.Empty, result, [], null, analysis);
        }
        var grid = new ResultGrid("/nonexistent", [Nested("a", 0.5), Nested("b", 0.2)], "val/loss", Mode.Min);
        Assert.Equal("b", grid.GetBestResult().TrialId);
    }

    [Fact]
    public void GetBestResult_ScopeAllWithANanInTheMiddle_StillSeesTheLaterValues()
    {
        // As Ray's max(value, old): a NaN does not hide the 0.9 that follows it.
        var grid = Grid(InMemory("a", [0.5, double.NaN, 0.9]), InMemory("b", [0.6]));
        Assert.Equal("a", grid.GetBestResult(scope: MetricScope.All).TrialId);
        Assert.Equal("a", grid.GetBestResult("score", Mode.Min, MetricScope.All).TrialId); // 0.5 < 0.6
        Assert.Equal(double.NaN, InMemory("n", [double.NaN]).Analysis.Get("score", MetricScope.All, Mode.Max));
    }

    [Fact]
    public void GetBestResult_OneTrial_IsThatTrialWhateverItReported()
    {
        // As Ray's get_best_trial, which returns the only trial without comparing.
        Assert.Equal("only", Grid(InMemory("only", [double.NaN])).GetBestResult().TrialId);
    }

    [Fact]
    public void Counts_ErrorsAndTerminated_AreCountedByStatus()
    {
        var failed = new Result("f", "f", TrialStatus.Error, "/x/f", Config.Empty, null, [], "Boom: it failed", new MetricAnalysis());
        var grid = Grid(InMemory("a", [1]), failed);
        Assert.Equal(1, grid.NumErrors);
        Assert.Equal(1, grid.NumTerminated);
        Assert.Equal(["Boom: it failed"], grid.Errors);
        Assert.Empty(failed.Metrics);
        Assert.Null(failed.Checkpoint);
    }
}
