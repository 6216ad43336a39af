namespace TuneSharp.LightGbm.Tests;

public class BindingTests
{
    private static readonly TestData Train = TestData.Generate(2000, seed: 1);
    private static readonly TestData Valid = TestData.Generate(600, seed: 2);

    private sealed class Recorder : ITrainingCallback
    {
        public List<TrainingRound> Rounds { get; } = [];
        public void AfterIteration(TrainingRound round) => Rounds.Add(round);
    }

    [Fact]
    public void Train_TwentyRounds_ValidationLossFallsBelowTheBaseRate()
    {
        using var train = Train.ToDataset();
        using var valid = Valid.ToDataset(train);
        var recorder = new Recorder();

        using var booster = LightGbm.Train(TestData.BinaryParameters(), train, 20, [(valid, "eval")], [recorder]);

        Assert.Equal(20, booster.CurrentIteration);
        Assert.Equal(Enumerable.Range(0, 20), recorder.Rounds.Select(r => r.Iteration));
        double[] loss = recorder.Rounds.Select(r => r.EvaluationResults.Single(e => e.MetricName == "binary_logloss").Value).ToArray();
        double p = Valid.Labels.Average();
        double baseLoss = -(p * Math.Log(p) + (1 - p) * Math.Log(1 - p));
        Assert.True(loss[^1] < loss[0] && loss[^1] < 0.7 * baseLoss, $"logloss {loss[0]} → {loss[^1]}, base rate {baseLoss}");
        Assert.All(recorder.Rounds, r => Assert.Equal(
            [("eval", "binary_logloss"), ("eval", "binary_error")], r.EvaluationResults.Select(e => (e.DataName, e.MetricName))));
    }

    [Fact]
    public void Train_ParameterThatWouldRebinTheData_IsRefusedNotIgnored()
    {
        using var train = Train.ToDataset();
        var coarse = TestData.BinaryParameters();
        coarse["max_bin"] = 3;

        var error = Assert.Throws<LightGbmException>(() => LightGbm.Train(coarse, train, 5));

        Assert.Contains("max_bin", error.Message);
        using var binnedSo = Train.ToDataset(parameters: coarse); // built with it, it trains
        using var booster = LightGbm.Train(coarse, binnedSo, 5);
        Assert.Equal(5, booster.CurrentIteration);
    }

    [Fact]
    public void Train_NumIterationsAmongTheParameters_ReplacesTheRoundCount()
    {
        using var train = Train.ToDataset();
        var parameters = TestData.BinaryParameters();
        parameters["n_estimators"] = 3; // an alias of num_iterations, as in Python

        using var booster = LightGbm.Train(parameters, train, 10);

        Assert.Equal(3, booster.CurrentIteration);
    }

    [Fact]
    public void Train_EarlyStoppingOrTwoValidationSetsOfOneName_AreRefusedNamingThem()
    {
        using var train = Train.ToDataset();
        using var valid = Valid.ToDataset(train);
        var early = TestData.BinaryParameters();
        early["early_stopping_rounds"] = 2;

        Assert.Contains("early_stopping_round", Assert.Throws<ArgumentException>(() => LightGbm.Train(early, train, 10, [(valid, "eval")])).Message);
        early["early_stopping_rounds"] = 0; // 0 turns it off, as in LightGBM and Python
        using (LightGbm.Train(early, train, 2, [(valid, "eval")])) { }
        Assert.Contains("'eval'", Assert.Throws<ArgumentException>(() =>
            LightGbm.Train(TestData.BinaryParameters(), train, 10, [(valid, "eval"), (train, "eval")])).Message);
    }

    [Fact]
    public void GetEval_MatchesMetricsRecomputedFromPredictions()
    {
        using var train = Train.ToDataset();
        using var valid = Valid.ToDataset(train);
        using var booster = LightGbm.Train(TestData.BinaryParameters(), train, 15, [(valid, "eval"), (train, "training")]);

        AssertMetricsMatch(booster, Valid, booster.GetEval(1));
        AssertMetricsMatch(booster, Train, booster.GetEval(0));
        Assert.Equal(["binary_logloss", "binary_error"], booster.GetEvalNames());
    }

    private static void AssertMetricsMatch(Booster booster, TestData data, double[] evaluated)
    {
        double[] probability = booster.Predict(data.Features, TestData.Columns);
        Assert.Equal(data.Rows, probability.Length);
        double logloss = 0, errors = 0;
        for (int i = 0; i < data.Rows; i++)
        {
            double q = Math.Clamp(probability[i], 1e-15, 1 - 1e-15);
            logloss -= data.Labels[i] > 0 ? Math.Log(q) : Math.Log(1 - q);
            // LightGBM's binary_error counts probability <= 0.5 as the negative class.
            errors += (probability[i] > 0.5) != (data.Labels[i] > 0) ? 1 : 0;
        }
        Assert.Equal(logloss / data.Rows, evaluated[0], 1e-9);
        Assert.Equal(errors / data.Rows, evaluated[1], 1e-12);
    }

    [Fact]
    public void SaveAndLoad_StringAndFile_PredictTheSameNumbers()
    {
        using var train = Train.ToDataset();
        using var booster = LightGbm.Train(TestData.BinaryParameters(), train, 10);
        double[] expected = booster.Predict(Valid.Features, TestData.Columns);
        string path = Path.Combine(Directory.CreateTempSubdirectory("tunesharp-lgbm-").FullName, "model.txt");
        try
        {
            string text = booster.SaveToString();
            booster.SaveToFile(path);
            using var fromString = Booster.FromString(text);
            using var fromFile = Booster.FromFile(path);

            Assert.Equal(expected, fromString.Predict(Valid.Features, TestData.Columns));
            Assert.Equal(expected, fromFile.Predict(Valid.Features, TestData.Columns));
            Assert.Equal(10, fromFile.CurrentIteration);
            Assert.Equal(TestData.Columns, fromFile.NumFeatures);
            Assert.Contains("feature_names=x0 x1 category noise", text);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Train_CategoricalFeature_IsSplitAsACategory()
    {
        using var train = Train.ToDataset();
        using var booster = LightGbm.Train(TestData.BinaryParameters(), train, 10);
        // A categorical split is written as decision_type with the categorical bit and a cat_threshold line.
        Assert.Contains("cat_threshold=", booster.SaveToString());
    }

    [Fact]
    public void Train_FromInitModel_ContinuesAsIfNeverInterrupted()
    {
        using var train = Train.ToDataset();
        using var valid = Valid.ToDataset(train);
        var all = new Recorder();
        using var straight = LightGbm.Train(TestData.BinaryParameters(), train, 10, [(valid, "eval")], [all]);

        string saved;
        using (var firstHalf = LightGbm.Train(TestData.BinaryParameters(), train, 4, [(valid, "eval")]))
            saved = firstHalf.SaveToString();
        using var init = Booster.FromString(saved);
        var second = new Recorder();
        using var continued = LightGbm.Train(TestData.BinaryParameters(), train, 6, [(valid, "eval")], [second], initModel: init);

        Assert.Equal(10, continued.CurrentIteration);
        Assert.Equal([4, 5, 6, 7, 8, 9], second.Rounds.Select(r => r.Iteration));
        Assert.All(second.Rounds, r => Assert.Equal((4, 10), (r.BeginIteration, r.EndIteration)));
        for (int i = 0; i < 6; i++)
            Assert.Equal(all.Rounds[4 + i].EvaluationResults[0].Value, second.Rounds[i].EvaluationResults[0].Value, 1e-9);
        Assert.Equal(straight.Predict(Valid.Features, TestData.Columns), continued.Predict(Valid.Features, TestData.Columns),
            (a, b) => Math.Abs(a - b) < 1e-9);
    }

    [Fact]
    public void BoosterCreate_BadObjective_ThrowsWithLightGbmsMessageAndTheCall()
    {
        using var train = Train.ToDataset();
        var parameters = TestData.BinaryParameters();
        parameters.Objective = "nonsense";

        var e = Assert.Throws<LightGbmException>(() => LightGbm.Train(parameters, train, 1));

        Assert.Equal("LGBM_BoosterCreate", e.Call);
        Assert.Contains("nonsense", e.NativeMessage);
        Assert.Contains("objective=nonsense", e.Parameters);
        Assert.StartsWith("LGBM_BoosterCreate failed: ", e.Message);
    }

    [Fact]
    public void DatasetCreate_BadBinCount_ThrowsWithLightGbmsCheck()
    {
        var parameters = new LightGbmParameters { ["max_bin"] = 1 };
        var e = Assert.Throws<LightGbmException>(() => Dataset.FromDense(Train.Features, TestData.Columns, Train.Labels, parameters: parameters));
        Assert.Equal("LGBM_DatasetCreateFromMat", e.Call);
        Assert.Contains("max_bin", e.NativeMessage);
    }

    [Fact]
    public void Dispose_DatasetBeforeBooster_NativeDatasetLivesUntilTheBoosterIsFreed()
    {
        var train = Train.ToDataset();
        var booster = LightGbm.Train(TestData.BinaryParameters(), train, 2);

        train.Dispose();
        // SafeHandle.IsClosed turns true only when the native object is freed, i.e. the last reference is gone.
        Assert.False(train.Handle.IsClosed); // the booster still points at it
        Assert.Equal(2, booster.CurrentIteration);
        booster.Dispose();

        Assert.True(booster.Handle.IsClosed);
        Assert.True(train.Handle.IsClosed);
    }

    [Fact]
    public void Train_CallbackThrows_BoosterIsFreedAndTheExceptionSurfaces()
    {
        using var train = Train.ToDataset();
        var thrower = new ThrowingCallback();

        Assert.Throws<InvalidOperationException>(() => LightGbm.Train(TestData.BinaryParameters(), train, 5, [(train, "training")], [thrower]));

        Assert.True(thrower.Seen!.Handle.IsClosed);
    }

    private sealed class ThrowingCallback : ITrainingCallback
    {
        public Booster? Seen { get; private set; }
        public void AfterIteration(TrainingRound round)
        {
            Seen = round.Model;
            throw new InvalidOperationException("stop");
        }
    }
}
