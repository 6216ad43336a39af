using TorchSharp;
using TuneSharp.Plotting;
using TuneSharp.Results;
using TuneSharp.Schedulers;
using TuneSharp.Search;
using TuneSharp.Torch;
using static TorchSharp.torch;

namespace TuneSharp.Examples.Pbt;

/// <summary>
/// The seed's third case: population-based training of the FashionMNIST CNN. Every few iterations the
/// worst trials copy the model and optimizer of the best ones and carry on with a perturbed lr and momentum.
/// </summary>
public static class PbtExperiment
{
    /// <summary>The plot of the best trial's accuracy and learning rate, in the experiment folder.</summary>
    public const string PlotFile = "best_trial_accuracy_lr.png";

    /// <summary>Runs the experiment and returns its results.</summary>
    public static async Task<ResultGrid> RunAsync(PbtOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        using FashionMnistData data = await ExampleData.LoadFashionMnistAsync(
            options.Data, options.TrainSize, options.TestSize, options.Seed, output, cancellationToken);

        var scheduler = new PopulationBasedTraining
        {
            TimeAttr = ResultFields.TrainingIteration,
            PerturbationInterval = options.PerturbationInterval,
            Metric = "mean_accuracy",
            Mode = Mode.Max,
            HyperparamMutations = new SearchSpace
            {
                ["lr"] = Tune.Uniform(0.0001, 1),
                ["momentum"] = Tune.Choice(0.8, 0.9, 0.99),
            },
        };
        var tuner = new Tuner(
            Tune.WithResources(TrainableDefinition.FromFunction(trial => TrainMnistPbt(trial, data), "TrainMnistPbt"), new Resources { Cpu = 1 }),
            paramSpace: new SearchSpace
            {
                ["lr"] = Tune.Uniform(0.001, 1),
                ["momentum"] = Tune.Uniform(0.001, 1),
                ["checkpoint_interval"] = options.PerturbationInterval,
            },
            tuneConfig: new TuneConfig { Scheduler = scheduler, NumSamples = options.Samples, Seed = options.Seed },
            runConfig: new RunConfig
            {
                Name = options.Name,
                Stop = new() { ["mean_accuracy"] = 0.9, ["training_iteration"] = options.MaxIterations },
                CheckpointConfig = new CheckpointConfig { CheckpointScoreAttribute = "mean_accuracy", NumToKeep = 4 },
                StoragePath = options.Storage,
                Verbose = options.Verbose,
            });
        ResultGrid grid = await tuner.FitAsync(cancellationToken);

        Result best = grid.GetBestResult("mean_accuracy", Mode.Max);
        output.WriteLine($"Best result path: {best.Path}");
        output.WriteLine($"Best final iteration hyperparameter config: {best.Config}");
        output.WriteLine($"Best mean_accuracy: {best.GetMetric("mean_accuracy"):0.0000} after {best.Metrics[ResultFields.TrainingIteration]} iterations");
        var history = best.ReadHistory();
        var iterations = history.Select(r => Convert.ToDouble(r[ResultFields.TrainingIteration])).ToList();
        string plot = Path.Combine(grid.ExperimentPath, PlotFile);
        LearningCurvePlot.SaveWithSecondaryAxis(plot,
            new CurveSeries("mean_accuracy", iterations, history.Select(r => Convert.ToDouble(r["mean_accuracy"])).ToList()),
            new CurveSeries("lr", iterations, history.Select(r => Convert.ToDouble(r["lr"])).ToList()),
            $"PBT: best trial {best.TrialName}", "training_iteration", "mean_accuracy", "lr");
        output.WriteLine($"Accuracy and learning rate of the best trial: {plot}");
        return grid;
    }

    /// <summary>The seed's <c>train_mnist_pbt</c>: trains until the scheduler or the stop criteria end it.</summary>
    private static async Task TrainMnistPbt(TrialContext trial, FashionMnistData data)
    {
        TorchThreads.Configure((int)Math.Max(1, trial.Resources.Cpu));
        int step = 1;
        using var model = FashionMnistModels.Create(FashionMnistModels.Small, seed: trial.Seed);
        Device device = TorchDevices.ForTrial(trial); // the trial's own GPU, or the CPU
        model.to(device); // before the optimiser takes the parameters
        double lr = trial.Config.GetOrDefault("lr", 0.01);
        double momentum = trial.Config.GetOrDefault("momentum", 0.9);
        using var optimizer = Sgd.Create(model, lr, momentum);
        if (trial.GetCheckpoint() is { } checkpoint)
        {
            var extras = checkpoint.Read(dir => TorchCheckpoint.Load(dir, model, optimizer));
            // Loading the optimizer restores its old lr and momentum: apply the (possibly mutated) config after it.
            Sgd.SetHyperparameters(optimizer, lr, momentum);
            step = (int)extras["step"] + 1;
        }
        int interval = trial.Config.Get<int>("checkpoint_interval");
        while (true)
        {
            TorchTraining.TrainOneEpoch(model, optimizer, data.TrainImages, data.TrainLabels,
                seed: trial.Seed + step, cancellationToken: trial.CancellationToken, device: device);
            var metrics = new Metrics
            {
                ["mean_accuracy"] = TorchTraining.Evaluate(model, data.TestImages, data.TestLabels, cancellationToken: trial.CancellationToken, device: device),
                ["lr"] = lr,
            };
            int saved = step;
            if (step % interval == 0)
                await trial.ReportAsync(metrics, Checkpoint.FromDirectory(dir =>
                    TorchCheckpoint.Save(dir, model, optimizer, new Dictionary<string, double> { ["step"] = saved })));
            else
                await trial.ReportAsync(metrics);
            step++;
        }
    }
}
