using TorchSharp;
using TuneSharp.Plotting;
using TuneSharp.Results;
using TuneSharp.Schedulers;
using TuneSharp.Search;
using TuneSharp.Torch;
using static TorchSharp.torch;

namespace TuneSharp.Examples;

/// <summary>
/// The seed's first case: tune the learning rate and momentum of a FashionMNIST classifier, with
/// random search and ASHA, checkpointing every 5 epochs, then plot every trial's learning curve.
/// </summary>
public static class FashionMnistExperiment
{
    /// <summary>The learning-curve plot written into the experiment folder.</summary>
    public const string PlotFile = "mean_accuracy.png";

    /// <summary>Runs the experiment and returns its results.</summary>
    public static async Task<ResultGrid> RunAsync(FashionMnistOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        using FashionMnistData data = await ExampleData.LoadFashionMnistAsync(
            options.Data, options.TrainSize, options.TestSize, options.Seed, output, cancellationToken);

        var searchSpace = new SearchSpace
        {
            ["lr"] = Tune.Choice(0.001, 0.002, 0.005, 0.01, 0.02, 0.05),
            ["momentum"] = Tune.Uniform(0.1, 0.9),
        };
        var trainable = Tune.WithResources(
            TrainableDefinition.FromFunction(trial => TrainMnist(trial, data, options), "TrainMnist"),
            new Resources { Cpu = 1, Gpu = options.Gpus > 0 ? 1 : 0 });
        var tuner = new Tuner(trainable, searchSpace,
            new TuneConfig
            {
                NumSamples = options.Samples,
                Metric = "mean_accuracy",
                Mode = Mode.Max,
                Seed = options.Seed,
                AvailableResources = options.Gpus > 0 ? new Resources { Cpu = Environment.ProcessorCount, Gpu = options.Gpus } : null,
                Scheduler = options.Scheduler == "asha"
                    ? new AshaScheduler { MaxT = options.Epochs, GracePeriod = 1, ReductionFactor = 2 }
                    : new FifoScheduler(),
            },
            new RunConfig { Name = options.Name, StoragePath = options.Storage, Verbose = options.Verbose });
        ResultGrid results = await tuner.FitAsync(cancellationToken);

        Result best = results.GetBestResult("mean_accuracy", Mode.Max);
        output.WriteLine($"Best trial: {best.TrialName}  mean_accuracy={best.GetMetric("mean_accuracy"):0.0000}  " +
            $"lr={best.Config.Get<double>("lr")}  momentum={best.Config.Get<double>("momentum"):0.0000}  " +
            $"iterations={best.Metrics[ResultFields.TrainingIteration]}");
        output.WriteLine($"Best trial folder: {best.Path}");
        string plot = Path.Combine(results.ExperimentPath, PlotFile);
        results.PlotMetric("mean_accuracy", plot, title: "FashionMNIST: mean accuracy per trial");
        output.WriteLine($"Learning curves: {plot}");
        return results;
    }

    /// <summary>The trainable: the seed's <c>train_mnist(config)</c>.</summary>
    private static async Task TrainMnist(TrialContext trial, FashionMnistData data, FashionMnistOptions options)
    {
        TorchThreads.Configure((int)Math.Max(1, trial.Resources.Cpu));
        using var model = FashionMnistModels.Create(options.Model, seed: trial.Seed);
        Device device = TorchDevices.ForTrial(trial); // the trial's own GPU, or the CPU
        model.to(device); // before the optimiser takes the parameters
        using var optimizer = Sgd.Create(model, trial.Config.Get<double>("lr"), trial.Config.Get<double>("momentum"));
        int firstEpoch = 0;
        if (trial.GetCheckpoint() is { } checkpoint)
        {
            // A retried trial continues where its last checkpoint left off.
            var extras = checkpoint.Read(dir => TorchCheckpoint.Load(dir, model, optimizer));
            firstEpoch = (int)extras["epoch"] + 1;
        }
        for (int epoch = firstEpoch; epoch < options.Epochs; epoch++)
        {
            TorchTraining.TrainOneEpoch(model, optimizer, data.TrainImages, data.TrainLabels,
                batchSize: 128, seed: trial.Seed + epoch, cancellationToken: trial.CancellationToken, device: device);
            double accuracy = TorchTraining.Evaluate(model, data.TestImages, data.TestLabels, cancellationToken: trial.CancellationToken, device: device);
            int savedEpoch = epoch;
            Checkpoint? save = (epoch + 1) % 5 == 0
                ? Checkpoint.FromDirectory(dir => TorchCheckpoint.Save(dir, model, optimizer, new Dictionary<string, double> { ["epoch"] = savedEpoch }))
                : null;
            await trial.ReportAsync(new Metrics { ["mean_accuracy"] = accuracy }, save);
        }
    }
}
