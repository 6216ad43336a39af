// Tunes an ML.NET FastTree classifier on the flight-delay data through a function trainable.
//   dotnet run -c Release --project examples/MlNetFastTree -- [rows] [samples]
// Where this stops being enough: ML.NET's Fit() trains all trees in one call, with no hook between
// rounds, so a trial reports once, at the end. A scheduler such as AsyncHyperBand decides on
// intermediate results, so it cannot stop a poor FastTree trial early: every trial costs its full
// budget. For per-round reporting, bind the booster directly, as TuneSharp.LightGbm does
// (examples/FlightDelay), where AsyncHyperBand stops poor trials after one or two rounds.
using TuneSharp.Examples;

int rows = args.Length > 0 ? int.Parse(args[0]) : 100_000;
int samples = args.Length > 1 ? int.Parse(args[1]) : 8;
await MlNetFastTreeExperiment.RunAsync(rows, samples, seed: 42, storage: "~/tune_results", Console.Out);
