using System.CommandLine;

namespace TuneSharp.Examples;

/// <summary>The example's scripting options; the defaults finish in a few minutes on 2 CPU cores.</summary>
public sealed record FashionMnistOptions
{
    /// <summary>Trials to sample (Ray's <c>num_samples</c>).</summary>
    public int Samples { get; init; } = 8;
    /// <summary>Epochs per trial (the seed trains 10).</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Training images used per epoch (of 60,000); a seeded, class-balanced subset.</summary>
    public int TrainSize { get; init; } = 10_000;
    /// <summary>Test images (of 10,000).</summary>
    public int TestSize { get; init; } = 2_000;
    /// <summary><c>asha</c> (the seed's second run) or <c>fifo</c> (its first).</summary>
    public string Scheduler { get; init; } = "asha";
    /// <summary><c>small</c> (a LeNet-style CNN) or <c>resnet18</c> (the seed's model; about 50× slower).</summary>
    public string Model { get; init; } = "small";
    /// <summary>Where experiments are stored.</summary>
    public string Storage { get; init; } = "~/tune_results";
    /// <summary>The experiment's name; null for <c>TrainMnist_&lt;date&gt;</c>.</summary>
    public string? Name { get; init; }
    /// <summary>Seed of sampling, data subsets and training order.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>The FashionMNIST folder (IDX files); null for the default cache folder.</summary>
    public string? Data { get; init; }
    /// <summary>GPUs this machine has; with any, each trial asks for one, as the seed's <c>tune.with_resources(train_mnist,
    /// {"gpu": 1})</c>, and trains on its own (needs a CUDA build of libtorch in place of <c>libtorch-cpu-linux-x64</c>).</summary>
    public int Gpus { get; init; }
    /// <summary>0 silent … 3 every result.</summary>
    public int Verbose { get; init; } = 2;

    /// <summary>Parses the command line; returns null (after printing the errors or help) when there is nothing to run.</summary>
    public static FashionMnistOptions? Parse(string[] args, TextWriter error)
    {
        var defaults = new FashionMnistOptions();
        var epochs = new Option<int>("--epochs") { Description = "Epochs per trial", DefaultValueFactory = _ => defaults.Epochs };
        var scheduler = new Option<string>("--scheduler") { Description = "fifo or asha", DefaultValueFactory = _ => defaults.Scheduler };
        scheduler.AcceptOnlyFromAmong("fifo", "asha");
        var model = new Option<string>("--model") { Description = "small or resnet18", DefaultValueFactory = _ => defaults.Model };
        model.AcceptOnlyFromAmong("small", "resnet18");
        var gpus = new Option<int>("--gpus")
        {
            Description = "GPUs on this machine; each trial then asks for one (needs a CUDA build of libtorch)",
            DefaultValueFactory = _ => defaults.Gpus,
        };
        var command = new ExampleOptions("Tunes lr and momentum of a FashionMNIST CNN with TuneSharp (the seed's first case).",
            new CommonDefaults(defaults.Samples, defaults.TrainSize, defaults.TestSize), epochs, scheduler, model, gpus);
        if (command.Parse(args, error) is not { } result)
            return null;
        CommonValues common = command.Read(result);
        var options = new FashionMnistOptions
        {
            Samples = common.Samples, TrainSize = common.TrainSize, TestSize = common.TestSize, Storage = common.Storage,
            Name = common.Name, Seed = common.Seed, Data = common.Data, Verbose = common.Verbose,
            Epochs = result.GetValue(epochs), Scheduler = result.GetValue(scheduler)!, Model = result.GetValue(model)!,
            Gpus = result.GetValue(gpus),
        };
        string? problem = common.Validate() ?? (options.Epochs < 1 ? $"--epochs is {options.Epochs}; use 1 or more."
            : options.Gpus < 0 ? $"--gpus is {options.Gpus}; use 0 or the number of GPUs this machine has." : null);
        if (problem is null)
            return options;
        error.WriteLine(problem);
        return null;
    }
}
