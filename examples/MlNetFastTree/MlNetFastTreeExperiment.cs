using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using TuneSharp.LightGbm.Data;
using TuneSharp.Results;
using TuneSharp.Search;

namespace TuneSharp.Examples;

/// <summary>Tunes ML.NET's FastTree binary classifier on the flight-delay data, one report per trial.</summary>
public static class MlNetFastTreeExperiment
{
    private sealed class FlightRow
    {
        [VectorType(FlightData.Columns)] public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    /// <summary>Runs the experiment and returns its results.</summary>
    public static async Task<ResultGrid> RunAsync(int rows, int samples, int seed, string storage, TextWriter output, string? name = null)
    {
        FlightData flights = await FlightDelays.LoadAsync(rows: rows, seed: seed);
        var (train, valid) = flights.TrainTestSplit(0.25, seed);
        var ml = new MLContext(seed);
        // Cached views are read by every trial; the origin and destination codes are used as plain numbers here.
        IDataView trainView = ml.Data.Cache(ml.Data.LoadFromEnumerable(ToRows(train)));
        IDataView validView = ml.Data.Cache(ml.Data.LoadFromEnumerable(ToRows(valid)));

        var tuner = new Tuner(
            Tune.WithResources(TrainableDefinition.FromFunction(trial => TrainFastTree(trial, trainView, validView), "train_fasttree"), new Resources { Cpu = 1 }),
            new SearchSpace
            {
                ["leaves"] = Tune.RandInt(2, 64),
                ["min_leaf"] = Tune.Choice(1, 10, 50),
                ["learning_rate"] = Tune.LogUniform(1e-3, 0.5),
                ["trees"] = 10,
            },
            new TuneConfig { NumSamples = samples, Metric = "eval-error", Mode = Mode.Min, Seed = seed },
            new RunConfig { Name = name, StoragePath = storage, Verbose = 1 });
        ResultGrid results = await tuner.FitAsync();

        Result best = results.GetBestResult();
        output.WriteLine($"Best trial: {best.TrialName}  eval-error={best.GetMetric("eval-error"):0.00000}  config={best.Config}");
        output.WriteLine("Each trial reported once (training_iteration = 1): ML.NET's Fit() has no per-round hook, so no scheduler " +
            "could have stopped a poor trial early. examples/FlightDelay reports every LightGBM round instead.");
        return results;
    }

    /// <summary>A function trainable: one Fit, one evaluation, one report.</summary>
    private static Metrics TrainFastTree(TrialContext trial, IDataView train, IDataView valid)
    {
        var ml = new MLContext(trial.Seed);
        var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
        {
            NumberOfLeaves = trial.Config.Get<int>("leaves"),
            MinimumExampleCountPerLeaf = trial.Config.Get<int>("min_leaf"),
            LearningRate = trial.Config.Get<double>("learning_rate"),
            NumberOfTrees = trial.Config.Get<int>("trees"),
            NumberOfThreads = Math.Max(1, (int)trial.Resources.Cpu),
        });
        var model = trainer.Fit(train);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(valid));
        return new Metrics { ["eval-error"] = 1 - metrics.Accuracy, ["eval-logloss"] = metrics.LogLoss, ["eval-auc"] = metrics.AreaUnderRocCurve };
    }

    private static IEnumerable<FlightRow> ToRows(FlightData data)
    {
        float[] features = data.Features.ToArray(), labels = data.Labels.ToArray();
        for (int i = 0; i < data.Rows; i++)
            yield return new FlightRow { Features = features.AsSpan(i * FlightData.Columns, FlightData.Columns).ToArray(), Label = labels[i] > 0 };
    }
}
