using TuneSharp.Reporting;
using TuneSharp.Reporting.TensorBoard;
using TuneSharp.Search;

namespace TuneSharp.Tests.Reporting.TensorBoard;

public class TensorBoardLoggerTests
{
    private static List<ProtoFields> Summaries(string trialPath) =>
        Directory.GetFiles(trialPath, "events.out.tfevents.*").Order(StringComparer.Ordinal).SelectMany(EventFileReader.ReadRecords)
            .Where(e => e.Has(EventField.Summary)).ToList();

    private static Dictionary<string, float> Scalars(ProtoFields summaryEvent) =>
        summaryEvent.Message(EventField.Summary).Messages(1).Where(v => v.Has(2)).ToDictionary(v => v.String(1), v => v.Float(2));

    /// <summary>The hparams plugin's record named <paramref name="tag"/> (its HParamsPluginData), if the event holds it.</summary>
    private static ProtoFields? PluginData(ProtoFields summaryEvent, string tag)
    {
        var value = summaryEvent.Message(EventField.Summary).Messages(1).SingleOrDefault(v => v.String(1) == tag);
        if (value is null)
            return null;
        var pluginData = value.Message(9).Message(1);
        Assert.Equal("hparams", pluginData.String(1));
        return ProtoFields.Parse((byte[])pluginData.All(2).Single());
    }

    [Fact]
    public async Task FitAsync_WithTheLogger_WritesEachResultAsScalarsAndTheHyperparametersAtTheEnd()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(async trial =>
            {
                double x = trial.Config.Get<double>("x");
                for (int i = 1; i <= 3; i++)
                    await trial.ReportAsync(new Metrics
                    {
                        ["loss"] = x * i, ["ok"] = true, ["label"] = "text", ["gap"] = double.NaN,
                        ["nested"] = new Dictionary<string, object?> { ["a"] = 10 * i },
                    });
            },
            new SearchSpace { ["x"] = Tune.GridSearch(1.0, 2.0), ["opt"] = "sgd" },
            new TuneConfig { Metric = "loss", Mode = Mode.Min },
            new RunConfig { StoragePath = temp.Path, Name = "tb", Verbose = 0, Callbacks = [new TensorBoardLogger()] });

        var grid = await tuner.FitAsync();

        foreach (var result in grid)
        {
            Assert.Single(Directory.GetFiles(result.Path, "events.out.tfevents.*"));
            var events = Summaries(result.Path);
            var scalarEvents = events.Take(3).ToList();
            Assert.Equal([1L, 2, 3], scalarEvents.Select(e => e.Varint(EventField.Step)));
            double x = result.Config.Get<double>("x");
            Assert.Equal([(float)x, (float)(2 * x), (float)(3 * x)], scalarEvents.Select(e => Scalars(e)["ray/tune/loss"]));
            var last = Scalars(scalarEvents[^1]);
            Assert.Equal(30f, last["ray/tune/nested/a"]);
            Assert.Equal(1f, last["ray/tune/ok"]);
            Assert.Contains("ray/tune/time_this_iter_s", last.Keys);
            // As Ray's logger: no strings, no NaN, and not the fields it leaves out.
            Assert.DoesNotContain(last.Keys, k => k is "ray/tune/label" or "ray/tune/gap" or "ray/tune/training_iteration"
                or "ray/tune/timestamp" or "ray/tune/time_total_s" || k.StartsWith("ray/tune/config", StringComparison.Ordinal));

            var experiment = PluginData(events[3], "_hparams_/experiment")!.Message(2);
            Assert.Equal(["x", "opt"], experiment.Messages(4).Select(h => h.String(1)));
            Assert.Equal([3L, 1], experiment.Messages(4).Select(h => h.Varint(4))); // FLOAT64, STRING
            Assert.Contains("ray/tune/loss", experiment.Messages(5).Select(m => m.Message(1).String(2)));
            var start = PluginData(events[4], "_hparams_/session_start_info")!.Message(3);
            var hparams = start.Messages(1).ToDictionary(e => e.String(1), e => e.Message(2));
            Assert.Equal(x, hparams["x"].Double(2));
            Assert.Equal("sgd", hparams["opt"].String(3));
            var end = PluginData(events[5], "_hparams_/session_end_info")!.Message(4);
            Assert.Equal(1L, end.Varint(1)); // STATUS_SUCCESS
            Assert.Equal(3, events[5].Varint(EventField.Step));
        }
    }

    [Fact]
    public async Task FitAsync_TrialFailsOnceAndIsRetried_EachStartHasItsOwnFileAndOnlyTheLastHoldsHyperparameters()
    {
        using var temp = new TempDirectory();
        int runs = 0;
        var tuner = new Tuner(async trial =>
            {
                await trial.ReportAsync(new Metrics { ["loss"] = 1.0 });
                if (Interlocked.Increment(ref runs) == 1)
                    throw new InvalidOperationException("failing on purpose");
            },
            new SearchSpace { ["x"] = 1.0 },
            new TuneConfig { Metric = "loss", Mode = Mode.Min },
            new RunConfig
            {
                StoragePath = temp.Path, Name = "tb", Verbose = 0, Callbacks = [new TensorBoardLogger()],
                FailureConfig = new FailureConfig { MaxFailures = 1 },
            });

        var grid = await tuner.FitAsync();

        var files = Directory.GetFiles(grid[0].Path, "events.out.tfevents.*").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, files.Count);
        var ends = files.Select(f => EventFileReader.ReadRecords(f).Where(e => e.Has(EventField.Summary))
            .Select(e => PluginData(e, "_hparams_/session_end_info")).OfType<ProtoFields>().ToList()).ToList();
        // TensorBoard keeps the first record it reads: a retried failure writes none, so the trial shows as it ended.
        Assert.Empty(ends[0]);
        Assert.Equal(1L, ends[1].Single().Message(4).Varint(1)); // SUCCESS
    }

    [Fact]
    public void OnTrialComplete_ForATrialItNeverSawStart_WritesTheHyperparametersWithTheLastResultsMetrics()
    {
        // A resume finds a trial that ended after the last snapshot: the logger hears only of its end.
        using var temp = new TempDirectory();
        var logger = new TensorBoardLogger();
        var last = new Dictionary<string, object?> { ["loss"] = 0.25, [ResultFields.TrainingIteration] = 6L };
        var trial = new TrialInfo("t1", "trial_1", 0, new Config(new Dictionary<string, object?> { ["x"] = 2.0 }),
            TrialStatus.Terminated, 6, last, LatestCheckpoint: null, temp.Path, new Resources());

        logger.OnTrialComplete(trial);

        var events = Summaries(temp.Path);
        var experiment = PluginData(events[0], "_hparams_/experiment")!.Message(2);
        Assert.Equal(["x"], experiment.Messages(4).Select(h => h.String(1)));
        Assert.Equal(["ray/tune/loss"], experiment.Messages(5).Select(m => m.Message(1).String(2)));
        Assert.Equal(1L, PluginData(events[2], "_hparams_/session_end_info")!.Message(4).Varint(1)); // SUCCESS
        Assert.Equal(6, events[2].Varint(EventField.Step));
    }
}
