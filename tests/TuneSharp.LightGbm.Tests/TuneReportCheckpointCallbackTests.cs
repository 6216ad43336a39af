using System.Collections.Concurrent;
using TuneSharp.Search;

namespace TuneSharp.LightGbm.Tests;

public class TuneReportCheckpointCallbackTests
{
    private static readonly TestData Train = TestData.Generate(1000, seed: 5);
    private static readonly TestData Valid = TestData.Generate(300, seed: 6);

    private static Booster TrainTrial(TrialContext trial, int rounds, int frequency, params ITrainingCallback[] more)
    {
        var parameters = LightGbmParameters.ForTrial(trial);
        parameters.Objective = "binary";
        parameters.Metrics = ["binary_logloss", "binary_error"];
        using var train = Train.ToDataset(parameters: parameters);
        using var valid = Valid.ToDataset(train);
        using Booster? init = trial.GetCheckpoint() is { } checkpoint ? TuneReportCheckpointCallback.LoadModel(checkpoint) : null;
        int done = init?.CurrentIteration ?? 0;
        return LightGbm.Train(parameters, train, rounds - done, [(valid, "eval")],
            [new TuneReportCheckpointCallback(trial, frequency: frequency), .. more], initModel: init);
    }

    private static RunConfig Run(string storage, string name, int maxFailures = 0) =>
        new() { StoragePath = storage, Name = name, Verbose = 0, FailureConfig = new FailureConfig { MaxFailures = maxFailures } };

    [Fact]
    public async Task ForTrial_ConfigSetsSeedAndThreads_KeepsThemElseUsesTheTrials()
    {
        var storage = Directory.CreateTempSubdirectory("tunesharp-lgbm-fortrial-");
        try
        {
            async Task<(int? Seed, int? Threads, int TrialSeed)> Parameters(SearchSpace space, string name)
            {
                (int?, int?, int) seen = default;
                await new Tuner(trial =>
                    {
                        var parameters = LightGbmParameters.ForTrial(trial);
                        seen = (parameters.Seed, parameters.NumThreads, trial.Seed);
                        trial.Report(new Metrics { ["x"] = 1.0 });
                    }, space, new TuneConfig { Seed = 1 }, Run(storage.FullName, name)).FitAsync();
                return seen;
            }

            var own = await Parameters(new SearchSpace { ["random_state"] = 7, ["nthread"] = 2 }, "own");
            var trials = await Parameters(new SearchSpace { ["eta"] = 0.1 }, "trials");

            Assert.Equal((7, 2), (own.Seed, own.Threads));
            Assert.Equal((trials.TrialSeed, 1), (trials.Seed!.Value, trials.Threads!.Value));
        }
        finally
        {
            storage.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Callback_ReportsEveryRoundAndCheckpointsEveryFrequencyRounds()
    {
        var storage = Directory.CreateTempSubdirectory("tunesharp-lgbm-tune-");
        try
        {
            var tuner = new Tuner(trial => TrainTrial(trial, rounds: 5, frequency: 2).Dispose(),
                new SearchSpace { ["eta"] = Tune.Choice(0.1, 0.3), ["num_leaves"] = 7 },
                new TuneConfig { NumSamples = 2, Metric = "eval-binary_logloss", Mode = Mode.Min, Seed = 3 },
                Run(storage.FullName, "report"));

            var grid = await tuner.FitAsync();

            Assert.Equal(0, grid.NumErrors);
            foreach (var result in grid)
            {
                Assert.Equal(5L, result.Metrics["training_iteration"]);
                Assert.InRange(result.GetMetric("eval-binary_error")!.Value, 0, 0.5);
                Assert.Equal(5, result.MetricsDataFrame.Rows.Count);
                // Rounds 2 and 4 by frequency, round 5 at the end: checkpoint_000000 … 000002.
                var checkpoints = Directory.GetDirectories(result.Path, "checkpoint_*").Order().ToArray();
                Assert.Equal(3, checkpoints.Length);
                using var last = Booster.FromFile(Path.Combine(checkpoints[^1], "model.txt"));
                Assert.Equal(5, last.CurrentIteration);
            }
        }
        finally
        {
            storage.Delete(recursive: true);
        }
    }

    private sealed class FailOnce(ConcurrentDictionary<string, bool> failed, string trialId, int afterIteration) : ITrainingCallback
    {
        public void AfterIteration(TrainingRound round)
        {
            if (round.Iteration == afterIteration && failed.TryAdd(trialId, true))
                throw new InvalidOperationException("simulated crash");
        }
    }

    [Fact]
    public async Task RetriedTrial_ContinuesBoostingFromTheCheckpointedModel()
    {
        var storage = Directory.CreateTempSubdirectory("tunesharp-lgbm-tune-");
        var failed = new ConcurrentDictionary<string, bool>();
        var finalIterations = new ConcurrentBag<int>();
        var startedFrom = new ConcurrentBag<int>();
        try
        {
            var tuner = new Tuner(trial =>
            {
                startedFrom.Add(trial.GetCheckpoint() is null ? 0 : (int)trial.Iteration);
                using var booster = TrainTrial(trial, rounds: 6, frequency: 1, new FailOnce(failed, trial.TrialId, afterIteration: 2));
                finalIterations.Add(booster.CurrentIteration);
            },
            new SearchSpace { ["eta"] = 0.2 },
            new TuneConfig { Metric = "eval-binary_logloss", Mode = Mode.Min, Seed = 4 },
            Run(storage.FullName, "resume", maxFailures: 1));

            var grid = await tuner.FitAsync();

            var result = Assert.Single(grid);
            Assert.Null(result.Error);
            Assert.Equal(6L, result.Metrics["training_iteration"]);
            Assert.Equal([0, 3], startedFrom.Order());     // the retry starts from the round-3 checkpoint
            Assert.Equal([6], finalIterations);            // and boosts rounds 4–6 on top of it
            Assert.Equal(6, result.MetricsDataFrame.Rows.Count);
        }
        finally
        {
            storage.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task UnknownMetric_FailsTheTrialNamingWhatWasEvaluated()
    {
        var storage = Directory.CreateTempSubdirectory("tunesharp-lgbm-tune-");
        try
        {
            var tuner = new Tuner(trial =>
            {
                var parameters = new LightGbmParameters { Objective = "binary", Metrics = ["binary_error"] };
                using var train = Train.ToDataset();
                LightGbm.Train(parameters, train, 2, [(train, "train")],
                    [new TuneReportCheckpointCallback(trial, metrics: ["eval-error"])]).Dispose();
            }, new SearchSpace(), new TuneConfig(), Run(storage.FullName, "unknown"));

            var grid = await tuner.FitAsync();

            Assert.Equal(1, grid.NumErrors);
            Assert.Contains("no metric 'eval-error'. It evaluated: train-binary_error", grid.Errors[0]);
        }
        finally
        {
            storage.Delete(recursive: true);
        }
    }
}
