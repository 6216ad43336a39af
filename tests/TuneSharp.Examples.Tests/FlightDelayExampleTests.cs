using System.Globalization;
using TuneSharp.Examples;

namespace TuneSharp.Examples.Tests;

public class FlightDelayExampleTests
{
    // Fetches the flight data with npm on first use (a 17 MB package, cached in the default data folder).
    [Fact]
    public async Task RunAsync_SmallSample_AsyncHyperBandStopsPoorTrialsEarly()
    {
        string storage = Directory.CreateTempSubdirectory("tunesharp-flights-").FullName;
        try
        {
            // One trial at a time: ASHA's decisions then depend only on the seeded configs, not on which of two
            // concurrent trials reports first, so the trials stopped early are the same on every run.
            var options = new FlightDelayOptions
            {
                Rows = 20_000, Samples = 4, Concurrent = 1, Storage = storage, Name = "small", Seed = 7, Verbose = 0,
            };
            var output = new StringWriter();

            var results = await FlightDelayExperiment.RunAsync(options, output);

            Assert.Equal(4, results.Count);
            Assert.Equal(0, results.NumErrors);
            var frame = results.GetDataFrame();
            foreach (string column in FlightDelayExperiment.TableColumns)
                Assert.Contains(column, frame.Columns.Select(c => c.Name));
            long[] iterations = frame.Columns["training_iteration"].Cast<object>().Select(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Contains(iterations, i => i < 10); // stopped early by AsyncHyperBand
            Assert.Equal(10, iterations.Max());
            Assert.All(frame.Columns["eval-binary_error"].Cast<object>(), v => Assert.InRange(Convert.ToDouble(v, CultureInfo.InvariantCulture), 0.0, 0.5));

            string experiment = Path.Combine(storage, "small");
            string[] csv = File.ReadAllLines(Path.Combine(experiment, FlightDelayExperiment.ResultsFile));
            Assert.Equal(5, csv.Length); // a header and a row per trial
            Assert.Contains("eval-binary_error", csv[0]);
            Assert.Contains("config/eta", csv[0]);
            var baseline = FlightBaseline.Read(Path.Combine(experiment, FlightBaseline.FileName));
            Assert.InRange(baseline.MajorityError, 0.2, 0.3);
            Assert.InRange(baseline.BaseLogloss, 0.5, 0.62);
            Assert.Contains("Best trial: train_flight_", output.ToString());
            Assert.Contains("majority_error=", output.ToString());
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }

    [Fact]
    public void Parse_BadValues_NameTheOptionAndFix()
    {
        var error = new StringWriter();
        Assert.Equal("tpe", FlightDelayOptions.Parse([], error)!.Searcher); // the seed's HyperOptSearch counterpart
        Assert.Null(FlightDelayOptions.Parse(["--searcher", "bayes"], error));
        Assert.Contains("bayes", error.ToString());
        Assert.Null(FlightDelayOptions.Parse(["--rows", "5"], error));
        Assert.Contains("--rows is 5", error.ToString());
    }

    [Fact]
    public void Parse_Options_AreRead()
    {
        var options = FlightDelayOptions.Parse(["--rows", "1000", "--samples", "3", "--searcher", "random", "--name", "n", "--seed", "5", "--data", "/d"], TextWriter.Null);
        Assert.NotNull(options);
        Assert.Equal((1000, 3, "random", "n", 5, "/d"), (options.Rows, options.Samples, options.Searcher, options.Name, options.Seed, options.Data));
    }
}
