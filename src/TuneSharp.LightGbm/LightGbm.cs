namespace TuneSharp.LightGbm;

/// <summary>Training entry points (Python's <c>lightgbm.train</c>).</summary>
public static class LightGbm
{
    /// <summary>
    /// Boosts <paramref name="numBoostRound"/> rounds, evaluating every validation set after each round and
    /// calling the callbacks (Python's <c>lightgbm.train(params, train_set, num_boost_round, valid_sets,
    /// valid_names, init_model, callbacks)</c>).
    /// </summary>
    /// <param name="parameters">Training parameters; the metrics evaluated are its <see cref="LightGbmParameters.Metrics"/>.
    /// A <c>num_iterations</c> among them (or an alias such as <c>n_estimators</c>) replaces <paramref name="numBoostRound"/>,
    /// as in Python; <c>early_stopping_round</c> is refused (see the exception).</param>
    /// <param name="train">The training set.</param>
    /// <param name="numBoostRound">Rounds to add (to those of <paramref name="initModel"/>, if any).</param>
    /// <param name="validSets">Data sets to evaluate, with the names results carry (<c>eval</c> gives <c>eval-binary_error</c>);
    /// passing <paramref name="train"/> itself evaluates the training set.</param>
    /// <param name="callbacks">Called after each round, in order.</param>
    /// <param name="initModel">A model to continue from: its trees are kept and boosting starts from its scores.
    /// Its raw scores become the datasets' <c>init_score</c>, as in Python.</param>
    /// <param name="cancellationToken">Checked before each round.</param>
    /// <returns>The trained booster, which the caller disposes.</returns>
    /// <exception cref="LightGbmException">LightGBM rejected a parameter (also one that would change how
    /// <paramref name="train"/> was binned, such as <c>max_bin</c>: build the dataset with it) or failed.</exception>
    /// <exception cref="ArgumentException">Two validation sets share a name, or the parameters ask for early stopping, which
    /// this loop does not do (with Tune, a scheduler such as ASHA stops poor trials; or throw from a callback).</exception>
    public static Booster Train(LightGbmParameters parameters, Dataset train, int numBoostRound,
        IReadOnlyList<(Dataset Data, string Name)>? validSets = null, IReadOnlyList<ITrainingCallback>? callbacks = null,
        Booster? initModel = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegative(numBoostRound);
        validSets ??= [];
        callbacks ??= [];
        if (parameters["early_stopping_round"] is { } rounds && Convert.ToInt32(rounds, System.Globalization.CultureInfo.InvariantCulture) > 0)
            throw new ArgumentException(
                $"The parameters ask for early stopping (early_stopping_round = {parameters["early_stopping_round"]}), which LightGbm.Train does not do. " +
                "Remove it: with Tune, a scheduler such as AsyncHyperBandScheduler stops poor trials; or stop from an ITrainingCallback by throwing.",
                nameof(parameters));
        if (validSets.GroupBy(v => v.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"Two validation sets are named '{twice.Key}'; give each its own name (results are keyed '<name>-<metric>').", nameof(validSets));
        if (parameters["num_iterations"] is { } iterations)
            numBoostRound = Convert.ToInt32(iterations, System.Globalization.CultureInfo.InvariantCulture);
        train.CheckTrainingParameters(parameters.ToString());

        SetInitScores(train, validSets, initModel);
        Booster booster = Booster.Create(parameters, train);
        try
        {
            if (initModel is not null)
                booster.MergeFrom(initModel);
            // LightGBM evaluates data index 0 (training) and 1.. (validation sets, in the order added).
            var indices = new List<(int Index, string Name)>();
            int added = 0;
            foreach (var (data, name) in validSets)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(validSets));
                if (ReferenceEquals(data, train))
                    indices.Add((0, name));
                else
                {
                    booster.AddValidData(data);
                    indices.Add((++added, name));
                }
            }
            IReadOnlyList<string> metricNames = indices.Count > 0 ? booster.GetEvalNames() : [];
            int begin = booster.CurrentIteration;
            int end = begin + numBoostRound;
            for (int iteration = begin; iteration < end; iteration++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                booster.UpdateOneIter();
                var results = new List<EvaluationResult>(indices.Count * metricNames.Count);
                foreach (var (index, name) in indices)
                {
                    double[] values = booster.GetEval(index);
                    for (int m = 0; m < values.Length; m++)
                        results.Add(new EvaluationResult(name, metricNames[m], values[m]));
                }
                var round = new TrainingRound(booster, parameters, iteration, begin, end, results);
                foreach (ITrainingCallback callback in callbacks)
                    callback.AfterIteration(round);
            }
            return booster;
        }
        catch
        {
            booster.Dispose();
            throw;
        }
    }

    private static void SetInitScores(Dataset train, IReadOnlyList<(Dataset Data, string Name)> validSets, Booster? initModel)
    {
        foreach (Dataset data in validSets.Select(v => v.Data).Append(train).Distinct())
            data.SetInitScore(initModel is null ? [] : RawScores(initModel, data));
    }

    // LightGBM predicts row by row (row i, class k at i·K + k) but wants init_score class by class (k·n + i).
    private static double[] RawScores(Booster model, Dataset data)
    {
        double[] scores = model.Predict(data.Features.Span, data.NumFeatures, PredictionKind.RawScore);
        int classes = scores.Length / data.NumData;
        if (classes <= 1)
            return scores;
        var byClass = new double[scores.Length];
        for (int i = 0; i < data.NumData; i++)
            for (int k = 0; k < classes; k++)
                byClass[k * data.NumData + i] = scores[i * classes + k];
        return byClass;
    }
}
