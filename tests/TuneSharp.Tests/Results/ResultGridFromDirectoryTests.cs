using Microsoft.Data.Analysis;
using TuneSharp.Results;
using TuneSharp.Search;

namespace TuneSharp.Tests.Results;

/// <summary>A real experiment over <see cref="ResultGridTests.Series"/>: the data frame, and a grid read back
/// from disk that answers exactly as the in-memory one.</summary>
public sealed class ResultGridFromDirectoryTests(ResultGridFromDirectoryTests.SeriesExperiment experiment)
    : IClassFixture<ResultGridFromDirectoryTests.SeriesExperiment>
{
    private static readonly string[] Names = ["A", "B", "C", "D", "E"];
    private readonly ResultGrid _grid = experiment.Grid;

    /// <summary>Runs the experiment once for the whole class.</summary>
    public sealed class SeriesExperiment : IAsyncLifetime
    {
        public TempDirectory Temp { get; } = new();
        public ResultGrid Grid { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var tuner = new Tuner(async trial =>
            {
                int x = trial.Config.Get<int>("x");
                foreach (double value in ResultGridTests.Series[Names[x]])
                    await trial.ReportAsync(new Metrics { ["score"] = value, ["nested"] = new Dictionary<string, object?> { ["half"] = value / 2 } });
            }, new SearchSpace { ["x"] = Tune.GridSearch(0, 1, 2, 3, 4), ["tag"] = "const" },
            new TuneConfig { Metric = "score", Mode = Mode.Max, AvailableResources = new Resources { Cpu = 2 } },
            new RunConfig { StoragePath = Temp.Path, Name = "series", Verbose = 0 });
            Grid = await tuner.FitAsync();
        }

        public Task DisposeAsync()
        {
            Temp.Dispose();
            return Task.CompletedTask;
        }
    }

    private string NameOf(Result result) => Names[result.Config.Get<int>("x")];

    [Theory]
    [InlineData(MetricScope.Last, "A")]
    [InlineData(MetricScope.Avg, "B")]
    [InlineData(MetricScope.Last5Avg, "C")]
    [InlineData(MetricScope.Last10Avg, "D")]
    [InlineData(MetricScope.All, "E")]
    public void GetBestResult_RealRunAndFromDirectory_AgreeForEveryScope(MetricScope scope, string expected)
    {
        var loaded = ResultGrid.FromDirectory(_grid.ExperimentPath);
        Assert.Equal(expected, NameOf(_grid.GetBestResult(scope: scope)));
        Assert.Equal(expected, NameOf(loaded.GetBestResult(scope: scope)));
        Assert.Equal(expected, NameOf(loaded.GetBestResult("score", Mode.Max, scope)));
        Assert.Equal(NameOf(_grid.GetBestResult("score", Mode.Min, scope)), NameOf(loaded.GetBestResult("score", Mode.Min, scope)));
    }

    [Fact]
    public void GetDataFrame_OneRowPerTrial_HasFlattenedConfigAutomaticFieldsAndLogdir()
    {
        DataFrame frame = _grid.GetDataFrame();
        var columns = frame.Columns.Select(c => c.Name).ToList();

        Assert.Equal(5, frame.Rows.Count);
        Assert.Contains("score", columns);
        Assert.Contains("nested/half", columns);
        Assert.Contains("config/x", columns);
        Assert.Contains("config/tag", columns);
        Assert.Contains(ResultFields.TrainingIteration, columns);
        Assert.Contains("logdir", columns);
        Assert.DoesNotContain("config", columns);
        for (int row = 0; row < 5; row++)
        {
            Assert.Equal(12L, frame[ResultFields.TrainingIteration][row]);
            Assert.Equal(Path.GetFileName(_grid[row].Path), frame["logdir"][row]);
            Assert.Equal(ResultGridTests.Series[NameOf(_grid[row])][^1], Convert.ToDouble(frame["score"][row]));
        }
    }

    [Fact]
    public void GetDataFrame_FilterMetric_TakesEachTrialsBestRow()
    {
        DataFrame frame = _grid.GetDataFrame("score", Mode.Max);
        for (int row = 0; row < 5; row++)
        {
            double[] series = ResultGridTests.Series[NameOf(_grid[row])];
            int best = Array.IndexOf(series, series.Max()); // the first best, as a strict comparison keeps
            Assert.Equal(series.Max(), Convert.ToDouble(frame["score"][row]));
            Assert.Equal(best + 1L, Convert.ToInt64(frame[ResultFields.TrainingIteration][row]));
        }
        Assert.Contains("logdir", frame.Columns.Select(c => c.Name));
        // As Ray's: a metric without a mode gives the last rows; a mode without a metric is refused.
        Assert.Equal(_grid.GetDataFrame()["score"].Cast<object>(), _grid.GetDataFrame("score")["score"].Cast<object>());
        Assert.Throws<TuneException>(() => _grid.GetDataFrame(null, Mode.Max));
    }

    [Fact]
    public void GetDataFrame_FilterMetricSomeTrialsNeverReported_KeepsTheirLastRow()
    {
        DataFrame frame = _grid.GetDataFrame("nonexistent_metric", Mode.Max);
        Assert.Equal(5, frame.Rows.Count);
        Assert.Equal(Enumerable.Repeat(12L, 5), Enumerable.Range(0, 5).Select(r => Convert.ToInt64(frame[ResultFields.TrainingIteration][r])));
    }

    [Fact]
    public void FromDirectory_SameExperiment_HasTheSameTrialsConfigsMetricsAndFrame()
    {
        var loaded = ResultGrid.FromDirectory(_grid.ExperimentPath);

        Assert.Equal(_grid.Count, loaded.Count);
        for (int i = 0; i < _grid.Count; i++)
        {
            Assert.Equal(_grid[i].TrialId, loaded[i].TrialId);
            Assert.Equal(_grid[i].TrialName, loaded[i].TrialName);
            Assert.Equal(_grid[i].Status, loaded[i].Status);
            Assert.Equal(_grid[i].Path, loaded[i].Path);
            Assert.Equal(_grid[i].Config.ToString(), loaded[i].Config.ToString());
            Assert.Equal(_grid[i].GetMetric("score"), loaded[i].GetMetric("score"));
            Assert.Equal(true, loaded[i].Metrics[ResultFields.Done]);
        }
        DataFrame memory = _grid.GetDataFrame(), disk = loaded.GetDataFrame();
        Assert.Equal(memory.Columns.Select(c => c.Name).Order(), disk.Columns.Select(c => c.Name).Order());
        foreach (string column in new[] { "score", "nested/half", "config/x", "config/tag", ResultFields.TrainingIteration, "logdir" })
        {
            Assert.Equal(memory[column].DataType, disk[column].DataType);
            Assert.Equal(Enumerable.Range(0, 5).Select(r => memory[column][r]), Enumerable.Range(0, 5).Select(r => disk[column][r]));
        }
    }

    [Fact]
    public void FromDirectory_NoExperiment_ThrowsNamingTheFolder()
    {
        string empty = Path.Combine(experiment.Temp.Path, "empty");
        Directory.CreateDirectory(empty);
        Assert.Contains(empty, Assert.Throws<TuneException>(() => ResultGrid.FromDirectory(empty)).Message);
    }

    [Fact]
    public void MetricsDataFrame_OneTrial_HasOneRowPerResult()
    {
        DataFrame history = _grid[0].MetricsDataFrame;
        Assert.Equal(12, history.Rows.Count);
        Assert.Contains("config/x", history.Columns.Select(c => c.Name));
    }
}
