using TuneSharp.Examples;

namespace TuneSharp.Examples.Tests;

public class FashionMnistExampleTests
{
    [Fact]
    public async Task RunAsync_TinySubset_TunesTrainsCheckpointsAndPlots()
    {
        string storage = Directory.CreateTempSubdirectory("tunesharp-fmnist-").FullName;
        try
        {
            var options = new FashionMnistOptions
            {
                Samples = 2, Epochs = 5, TrainSize = 300, TestSize = 100, Scheduler = "fifo",
                Storage = storage, Name = "tiny", Seed = 7, Verbose = 0,
            };
            var output = new StringWriter();

            var results = await FashionMnistExperiment.RunAsync(options, output);

            Assert.Equal(2, results.Count);
            Assert.Equal(0, results.NumErrors);
            foreach (var result in results)
            {
                Assert.Equal(5L, result.Metrics["training_iteration"]);
                double accuracy = result.GetMetric("mean_accuracy")!.Value;
                Assert.InRange(accuracy, 0, 1);
                // The seed checkpoints every 5 epochs: model and optimizer state are on disk.
                string checkpoint = Path.Combine(result.Path, "checkpoint_000000");
                Assert.True(Directory.Exists(checkpoint), checkpoint);
                Assert.NotEmpty(Directory.GetFiles(checkpoint));
                Assert.Equal(5, result.MetricsDataFrame.Rows.Count);
            }
            string plot = Path.Combine(storage, "tiny", FashionMnistExperiment.PlotFile);
            byte[] png = File.ReadAllBytes(plot);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            Assert.Contains("Best trial:", output.ToString());
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }

    [Fact]
    public void Parse_BadOption_ReportsTheOptionAndFix()
    {
        var error = new StringWriter();
        Assert.Null(FashionMnistOptions.Parse(["--train-size", "70000"], error));
        Assert.Contains("--train-size is 70000", error.ToString());
        Assert.Null(FashionMnistOptions.Parse(["--scheduler", "hyperband"], error));
        Assert.Contains("hyperband", error.ToString());
    }

    [Fact]
    public void Parse_Options_AreRead()
    {
        var options = FashionMnistOptions.Parse(["--samples", "3", "--epochs", "4", "--model", "resnet18", "--name", "n", "--seed", "5"], TextWriter.Null);
        Assert.NotNull(options);
        Assert.Equal((3, 4, "resnet18", "n", 5), (options.Samples, options.Epochs, options.Model, options.Name, options.Seed));
    }
}
