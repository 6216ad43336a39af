using System.CommandLine;

namespace TuneSharp.Examples.Pbt;

/// <summary>The PBT example's scripting options; the defaults finish in a few minutes on 2 CPU cores.</summary>
public sealed record PbtOptions
{
    /// <summary>Population size (Ray's <c>num_samples</c>; the seed uses 4).</summary>
    public int Samples { get; init; } = 4;
    /// <summary>Training images per iteration (of 60,000).</summary>
    public int TrainSize { get; init; } = 5_000;
    /// <summary>Test images (of 10,000).</summary>
    public int TestSize { get; init; } = 1_000;
    /// <summary>Stop a trial after this many iterations (the seed stops at 20).</summary>
    public int MaxIterations { get; init; } = 20;
    /// <summary>Iterations between checkpoints and between PBT perturbations (the seed uses 5).</summary>
    public int PerturbationInterval { get; init; } = 5;
    /// <summary>Where experiments are stored.</summary>
    public string Storage { get; init; } = "~/tune_results";
    /// <summary>The experiment's name; the seed's is <c>pbt_mnist</c>.</summary>
    public string? Name { get; init; } = "pbt_mnist";
    /// <summary>Seed of sampling, data subsets and training order.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>The FashionMNIST folder; null for the default cache folder.</summary>
    public string? Data { get; init; }
    /// <summary>0 silent … 3 every result.</summary>
    public int Verbose { get; init; } = 2;

    /// <summary>Parses the command line; null (after printing the errors or help) when there is nothing to run.</summary>
    public static PbtOptions? Parse(string[] args, TextWriter error)
    {
        var defaults = new PbtOptions();
        var maxIterations = new Option<int>("--max-iterations") { Description = "Iterations per trial at most", DefaultValueFactory = _ => defaults.MaxIterations };
        var interval = new Option<int>("--perturbation-interval") { Description = "Iterations between checkpoints and perturbations", DefaultValueFactory = _ => defaults.PerturbationInterval };
        var command = new ExampleOptions("Population-based training of a FashionMNIST CNN's lr and momentum with TuneSharp (the seed's third case).",
            new CommonDefaults(defaults.Samples, defaults.TrainSize, defaults.TestSize), maxIterations, interval);
        if (command.Parse(args, error) is not { } result)
            return null;
        CommonValues common = command.Read(result);
        var options = new PbtOptions
        {
            Samples = common.Samples, TrainSize = common.TrainSize, TestSize = common.TestSize, Storage = common.Storage,
            Name = common.Name ?? defaults.Name, Seed = common.Seed, Data = common.Data, Verbose = common.Verbose,
            MaxIterations = result.GetValue(maxIterations), PerturbationInterval = result.GetValue(interval),
        };
        string? problem = common.Validate()
            ?? (options.MaxIterations < 1 ? $"--max-iterations is {options.MaxIterations}; use 1 or more."
            : options.PerturbationInterval < 1 ? $"--perturbation-interval is {options.PerturbationInterval}; use 1 or more." : null);
        if (problem is null)
            return options;
        error.WriteLine(problem);
        return null;
    }
}
