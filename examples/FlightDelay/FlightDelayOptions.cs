using System.CommandLine;

namespace TuneSharp.Examples;

/// <summary>The flight-delay example's options; the defaults finish in about a minute on 2 CPU cores.</summary>
public sealed record FlightDelayOptions
{
    /// <summary>Flights sampled from the 3,000,000 of the data set (a seeded random sample).</summary>
    public int Rows { get; init; } = 500_000;
    /// <summary>Trials to sample (Ray's <c>num_samples</c>; the seed runs 16).</summary>
    public int Samples { get; init; } = 16;
    /// <summary>Boosting rounds per trial (the seed's <c>max_t</c> of AsyncHyperBand is 10).</summary>
    public int Rounds { get; init; } = 10;
    /// <summary><c>tpe</c> (the seed's HyperOptSearch) or <c>random</c> (the default BasicVariantGenerator).</summary>
    public string Searcher { get; init; } = "tpe";
    /// <summary><c>asha</c> (the seed's AsyncHyperBand) or <c>fifo</c> (every trial runs all rounds, for comparison).</summary>
    public string Scheduler { get; init; } = "asha";
    /// <summary>Trials running at once; 0 lets the CPUs decide (one per core).</summary>
    public int Concurrent { get; init; }
    /// <summary>Where experiments are stored.</summary>
    public string Storage { get; init; } = "~/tune_results";
    /// <summary>The experiment's name; null for <c>train_flight_&lt;date&gt;</c>.</summary>
    public string? Name { get; init; }
    /// <summary>Seed of the sample, the split, the searcher, the scheduler and LightGBM.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>The folder holding <c>flights-3m.parquet</c>; null for the default cache folder.</summary>
    public string? Data { get; init; }
    /// <summary>0 silent … 3 every result.</summary>
    public int Verbose { get; init; } = 2;

    /// <summary>Parses the command line; returns null (after printing the errors or help) when there is nothing to run.</summary>
    public static FlightDelayOptions? Parse(string[] args, TextWriter error)
    {
        var defaults = new FlightDelayOptions();
        var rows = new Option<int>("--rows") { Description = "Flights sampled (of 3000000)", DefaultValueFactory = _ => defaults.Rows };
        var samples = new Option<int>("--samples") { Description = "Trials to sample", DefaultValueFactory = _ => defaults.Samples };
        var rounds = new Option<int>("--rounds") { Description = "Boosting rounds per trial", DefaultValueFactory = _ => defaults.Rounds };
        var searcher = new Option<string>("--searcher") { Description = "tpe (the seed's HyperOptSearch), bayesopt (Gaussian-process BO) or random", DefaultValueFactory = _ => defaults.Searcher };
        searcher.AcceptOnlyFromAmong("random", "tpe", "bayesopt");
        var scheduler = new Option<string>("--scheduler") { Description = "asha, or fifo to run every trial to the end", DefaultValueFactory = _ => defaults.Scheduler };
        scheduler.AcceptOnlyFromAmong("asha", "fifo");
        var concurrent = new Option<int>("--concurrent") { Description = "Trials at once; 0: one per CPU core", DefaultValueFactory = _ => defaults.Concurrent };
        var storage = new Option<string>("--storage") { Description = "Storage folder", DefaultValueFactory = _ => defaults.Storage };
        var name = new Option<string?>("--name") { Description = "Experiment name" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => defaults.Seed };
        var data = new Option<string?>("--data") { Description = "Folder with flights-3m.parquet; default: a cache folder filled from npm" };
        var verbose = new Option<int>("--verbose") { Description = "0 silent, 1 status, 2 status and trial events, 3 every result", DefaultValueFactory = _ => defaults.Verbose };
        var root = new RootCommand("Tunes a LightGBM flight-delay classifier with TuneSharp and AsyncHyperBand (the seed's second case).")
        {
            rows, samples, rounds, searcher, scheduler, concurrent, storage, name, seed, data, verbose,
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
        var options = new FlightDelayOptions
        {
            Rows = result.GetValue(rows), Samples = result.GetValue(samples), Rounds = result.GetValue(rounds),
            Searcher = result.GetValue(searcher)!, Scheduler = result.GetValue(scheduler)!, Concurrent = result.GetValue(concurrent),
            Storage = result.GetValue(storage)!, Name = result.GetValue(name), Seed = result.GetValue(seed),
            Data = result.GetValue(data), Verbose = result.GetValue(verbose),
        };
        string? problem = options.Validate();
        if (problem is null)
            return options;
        error.WriteLine(problem);
        return null;
    }

    /// <summary>The first bad option with the fix, or null.</summary>
    public string? Validate() =>
        Rows is < 100 or > 3_000_000 ? $"--rows is {Rows}; use 100 to 3000000."
        : Samples < 1 ? $"--samples is {Samples}; use 1 or more."
        : Rounds < 1 ? $"--rounds is {Rounds}; use 1 or more."
        : Concurrent < 0 ? $"--concurrent is {Concurrent}; use 0 (one trial per CPU core) or more."
        : Searcher is not ("random" or "tpe" or "bayesopt") ? $"--searcher is '{Searcher}'; use tpe, bayesopt or random."
        : Scheduler is not ("asha" or "fifo") ? $"--scheduler is '{Scheduler}'; use asha or fifo."
        : Verbose is < 0 or > 3 ? $"--verbose is {Verbose}; use 0 to 3."
        : null;
}
