// Tunes an ML.NET FastTree classifier on the flight-delay data through a function trainable.
//   dotnet run -c Release --project examples/MlNetFastTree -- [rows] [samples]
// Where this stops being enough: ML.NET's Fit() trains all trees in one call, with no hook between
// rounds, so a trial reports once, at the end. A scheduler such as AsyncHyperBand decides on
// intermediate results, so it cannot stop a poor FastTree trial early: every trial costs its full
// budget. For per-round reporting, bind the booster directly, as TuneSharp.LightGbm does
// (examples/FlightDelay), where AsyncHyperBand stops poor trials after one or two rounds.
using TuneSharp.Examples;

const string Usage = "Usage: dotnet run -c Release --project examples/MlNetFastTree -- [rows (default 100000)] [samples (default 8)]";
if (args.Length > 2)
{
    Console.Error.WriteLine($"Expected at most two numbers, got {args.Length} arguments ({string.Join(' ', args)}).\n{Usage}");
    return 2;
}
if (Count(0, "rows", 100_000) is not { } rows || Count(1, "samples", 8) is not { } samples)
    return 2;
await MlNetFastTreeExperiment.RunAsync(rows, samples, seed: 42, storage: "~/tune_results", Console.Out);
return 0;

// The positional argument at index, or its default; null (after saying why) when it is not a positive whole number.
int? Count(int index, string name, int fallback)
{
    if (args.Length <= index)
        return fallback;
    if (int.TryParse(args[index], out int value) && value > 0)
        return value;
    Console.Error.WriteLine($"{name} is '{args[index]}'; give a positive whole number.\n{Usage}");
    return null;
}
