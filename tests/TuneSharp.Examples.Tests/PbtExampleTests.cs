using System.Text.Json;
using TuneSharp.Examples.Pbt;

namespace TuneSharp.Examples.Tests;

public class PbtExampleTests
{
    [Fact]
    public async Task RunAsync_SmallPopulation_ExploitsAndContinuesFromTheSourceCheckpoint()
    {
        string storage = Directory.CreateTempSubdirectory("tunesharp-pbt-").FullName;
        try
        {
            var options = new PbtOptions
            {
                Samples = 4, TrainSize = 300, TestSize = 100, MaxIterations = 8, PerturbationInterval = 2,
                Storage = storage, Name = "pbt", Seed = 3, Verbose = 0,
            };

            var grid = await PbtExperiment.RunAsync(options, TextWriter.Null);

            Assert.Equal(4, grid.Count);
            string global = Path.Combine(grid.ExperimentPath, "pbt_global.txt");
            Assert.True(File.Exists(global), "PBT exploited nothing");
            using var first = JsonDocument.Parse(File.ReadLines(global).First());
            var step = first.RootElement.EnumerateArray().ToList();
            string target = step[0].GetString()!, source = step[1].GetString()!;
            double newLr = step[5].GetProperty("lr").GetDouble();
            var targetResult = grid.Single(r => r.TrialName == target);
            var history = targetResult.ReadHistory();
            // The first result with the explored lr comes right after a checkpoint of the source (every 2
            // iterations): the target continued from the source's model, not from its own or from scratch.
            var resumed = history.First(r => Math.Abs(Convert.ToDouble(r["lr"]) - newLr) < 1e-12);
            long iteration = (long)resumed["training_iteration"]!;
            Assert.Equal(0, (iteration - 1) % options.PerturbationInterval);
            Assert.True(iteration > options.PerturbationInterval);
            Assert.NotEqual(target, source);
            Assert.True(File.Exists(Path.Combine(grid.ExperimentPath, $"pbt_policy_{targetResult.TrialId}.txt")));
            Assert.True(File.Exists(Path.Combine(grid.ExperimentPath, PbtExperiment.PlotFile)));
            // Retention keeps the best 4 (NumToKeep = 4) plus the latest, plus the one PBT may still copy.
            Assert.All(grid, r => Assert.InRange(Directory.GetDirectories(r.Path, "checkpoint_*").Length, 1, 6));
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }
}
