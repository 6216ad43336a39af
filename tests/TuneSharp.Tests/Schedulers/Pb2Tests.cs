using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.Schedulers;

public class Pb2Tests
{
    private static TrialInfo Info(string id, double lr) =>
        new(id, "t_" + id, 0, new Config(new Dictionary<string, object?> { ["lr"] = lr }), TrialStatus.Running, 0, null, null, "", new Resources());

    [Fact]
    public void Select_GainPeaksInOneRegion_ProposesInsideItAndInsideBounds()
    {
        var pb2 = Trained(seed: 5);

        var proposals = Enumerable.Range(0, 10).Select(_ => pb2.Select(Config.Empty).Get<double>("lr")).ToList();

        Assert.All(proposals, lr => Assert.InRange(lr, 0, 10));
        Assert.InRange(proposals.Average(), 6.5, 9.5);
    }

    /// <summary>20 trials whose score grows fastest for lr near 8, observed at t = 1..4.</summary>
    private static Pb2 Trained(int seed, params string[] extraBounds)
    {
        var bounds = new Dictionary<string, (double, double)> { ["lr"] = (0, 10) };
        foreach (string name in extraBounds)
            bounds[name] = (16, 256);
        var pb2 = new Pb2 { TimeAttr = "t", Metric = "score", Mode = Mode.Max, PerturbationInterval = 1000, HyperparamBounds = bounds };
        pb2.Setup(null, null, seed);
        var random = new Random(1);
        for (int i = 0; i < 20; i++)
        {
            double lr = random.NextDouble() * 10;
            double rate = Math.Exp(-(lr - 8) * (lr - 8));
            for (int t = 1; t <= 4; t++)
                pb2.OnTrialResult(Info($"{i}", lr), new Dictionary<string, object?> { ["t"] = (double)t, ["score"] = rate * t });
        }
        return pb2;
    }

    [Fact]
    public void Select_SeveralInOneRound_SpreadsThemOut()
    {
        // The same gain everywhere, observed only for lr in [0, 5]: the bound is highest far from the data, at lr 10.
        var pb2 = new Pb2 { TimeAttr = "t", Metric = "score", Mode = Mode.Max, PerturbationInterval = 1000, HyperparamBounds = new Dictionary<string, (double, double)> { ["lr"] = (0, 10) } };
        pb2.Setup(null, null, 5);
        for (int i = 0; i < 10; i++)
            for (int t = 1; t <= 4; t++)
                pb2.OnTrialResult(Info($"{i}", i * 0.5), new Dictionary<string, object?> { ["t"] = (double)t, ["score"] = t + 0.01 * Math.Sin(i * t) });

        var picks = Enumerable.Range(0, 4).Select(_ => pb2.Select(Config.Empty).Get<double>("lr")).ToList();

        // Without the earlier choices in the variance every pick would land at the same spot; conditioned on them,
        // later picks of the round go elsewhere.
        Assert.True(picks[0] > 8, string.Join(", ", picks));
        Assert.True(picks.Skip(1).Max(lr => Math.Abs(lr - picks[0])) > 1, string.Join(", ", picks));
    }

    [Fact]
    public void Select_ModelFull_StillStartsANewRoundWithEachNewObservation()
    {
        var pb2 = new Pb2 { TimeAttr = "t", Metric = "score", Mode = Mode.Max, MaxObservations = 5, HyperparamBounds = new Dictionary<string, (double, double)> { ["lr"] = (0, 10) } };
        pb2.Setup(null, null, 5);
        for (int t = 1; t <= 4; t++)
            for (int i = 0; i < 3; i++)
                pb2.OnTrialResult(Info($"{i}", i * 3), new Dictionary<string, object?> { ["t"] = (double)t, ["score"] = t * (i + 1.0) });
        pb2.Select(Config.Empty);
        pb2.Select(Config.Empty);
        Assert.Equal(2, pb2.ChosenThisRound);

        // The model holds its 5 latest observations either way; a new one still ends the round.
        pb2.OnTrialResult(Info("0", 0), new Dictionary<string, object?> { ["t"] = 5.0, ["score"] = 5.0 });
        pb2.Select(Config.Empty);

        Assert.Equal(1, pb2.ChosenThisRound);
    }

    [Fact]
    public void Select_IntegerHyperparameter_StaysAWholeNumberInsideItsBounds()
    {
        var pb2 = Trained(seed: 5, "batch");
        Config chosen = pb2.Select(new Config(new Dictionary<string, object?> { ["lr"] = 1.0, ["batch"] = 64 }));

        Assert.IsType<long>(chosen["batch"]);
        Assert.InRange((long)chosen["batch"]!, 16, 256);
        Assert.IsType<double>(chosen["lr"]);
    }

    [Fact]
    public void CompleteConfig_BoundedHyperparameterMissing_DrawsItInsideTheBounds()
    {
        var pb2 = new Pb2 { TimeAttr = "t", Metric = "score", Mode = Mode.Max, HyperparamBounds = new Dictionary<string, (double, double)> { ["lr"] = (2, 3), ["x"] = (0, 1) } };
        pb2.Setup(null, null, 1);

        Config config = pb2.CompleteConfig(new Config(new Dictionary<string, object?> { ["x"] = 0.25 }));

        Assert.InRange(config.Get<double>("lr"), 2, 3);
        Assert.Equal(0.25, config.Get<double>("x"));
    }

    [Fact]
    public void OnTrialResult_CustomExploreFnAndRequireAttrs_ReachTheExploitStep()
    {
        var pb2 = new Pb2
        {
            TimeAttr = "t", Metric = "score", Mode = Mode.Max, PerturbationInterval = 1, LogConfig = false,
            HyperparamBounds = new Dictionary<string, (double, double)> { ["lr"] = (0, 10) },
            CustomExploreFn = config => config.With("tag", "explored"),
        };
        pb2.Setup(null, null, 1);
        // RequireAttrs: a result without the metric fails, naming the option.
        Assert.Contains("RequireAttrs", Assert.Throws<TuneException>(() => pb2.OnTrialResult(Info("a", 1), new Dictionary<string, object?> { ["t"] = 1.0 })).Message);
        foreach (var (id, score) in new[] { ("a", 5.0), ("b", 1.0), ("c", 3.0), ("d", 4.0) })
            pb2.OnTrialResult(Info(id, 1) with { LatestCheckpoint = "/ckpt/" + id }, new Dictionary<string, object?> { ["t"] = 1.0, ["score"] = score });

        var exploit = pb2.OnTrialResult(Info("b", 1) with { LatestCheckpoint = "/ckpt/b" }, new Dictionary<string, object?> { ["t"] = 2.0, ["score"] = 1.0 });

        Assert.Equal(TrialAction.Restart, exploit.Action);
        Assert.Equal("explored", exploit.NewConfig!.Get<string>("tag"));
    }

    [Fact]
    public void Select_FewerThanTwoObservations_KeepsTheCopiedConfig()
    {
        var pb2 = new Pb2 { TimeAttr = "t", Metric = "score", Mode = Mode.Max, HyperparamBounds = new Dictionary<string, (double, double)> { ["lr"] = (0, 10) } };
        pb2.Setup(null, null, 1);
        var copied = new Config(new Dictionary<string, object?> { ["lr"] = 3.0 });

        Assert.Same(copied, pb2.Select(copied));
    }

    [Fact]
    public async Task FitAsync_Pb2_ExploitsAndKeepsEveryConfigInsideTheBounds()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(async trial =>
        {
            var (step, weight) = trial.GetCheckpoint()?.Read(d =>
            {
                var p = File.ReadAllText(Path.Combine(d, "state")).Split(' ');
                return (int.Parse(p[0]), double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
            }) ?? (0, 0.0);
            while (step < 12)
            {
                int s = ++step;
                double lr = trial.Config.Get<double>("lr");
                weight += Math.Exp(-(lr - 0.7) * (lr - 0.7) * 10);
                double w = weight;
                await trial.ReportAsync(new Metrics { ["weight"] = w, ["lr"] = lr },
                    Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "state"), FormattableString.Invariant($"{s} {w}"))));
            }
        }, new SearchSpace { ["lr"] = Tune.Uniform(0, 0.3) },
        new TuneConfig
        {
            NumSamples = 4, Seed = 2,
            Scheduler = new Pb2
            {
                TimeAttr = "training_iteration", Metric = "weight", Mode = Mode.Max, PerturbationInterval = 3,
                HyperparamBounds = new Dictionary<string, (double, double)> { ["lr"] = (0, 1) },
            },
        },
        new RunConfig { StoragePath = temp.Path, Name = "pb2", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.True(File.Exists(Path.Combine(grid.ExperimentPath, "pbt_global.txt")));
        Assert.All(grid.SelectMany(r => r.ReadHistory()), h => Assert.InRange(Convert.ToDouble(h["lr"]), 0, 1));
        // Exploits moved some trial beyond the initial range [0, 0.3], towards the better region.
        Assert.Contains(grid.SelectMany(r => r.ReadHistory()), h => Convert.ToDouble(h["lr"]) > 0.3);
    }
}

public class Pb2StateTests
{
    [Fact]
    public void SaveState_RestoreState_KeepsTheModelsObservations()
    {
        Pb2 Make()
        {
            var pb2 = new Pb2 { TimeAttr = "t", Metric = "score", Mode = Mode.Max, PerturbationInterval = 1000, HyperparamBounds = new Dictionary<string, (double, double)> { ["lr"] = (0, 10) } };
            pb2.Setup(null, null, 5);
            return pb2;
        }
        var original = Make();
        for (int t = 1; t <= 3; t++)
            original.OnTrialResult(new TrialInfo("a", "t_a", 0, new Config(new Dictionary<string, object?> { ["lr"] = 8.0 }), TrialStatus.Running, t, null, null, "", new Resources()),
                new Dictionary<string, object?> { ["t"] = (double)t, ["score"] = 2.0 * t });
        var restored = Make();
        restored.RestoreState(original.SaveState());

        Assert.Equal(original.SaveState().ToJsonString(), restored.SaveState().ToJsonString());
        Assert.Contains("2 observations", string.Join(" ", restored.StatusLines()));
    }

    [Fact]
    public void Select_FitsTheKernel_AndTheFitIsPartOfTheSavedState()
    {
        Pb2 Make()
        {
            var pb2 = new Pb2 { TimeAttr = "t", Metric = "score", Mode = Mode.Max, PerturbationInterval = 1000, HyperparamBounds = new Dictionary<string, (double, double)> { ["lr"] = (0, 10) } };
            pb2.Setup(null, null, 5);
            return pb2;
        }
        var original = Make();
        for (int i = 0; i < 6; i++)
            for (int t = 1; t <= 3; t++)
                original.OnTrialResult(new TrialInfo($"{i}", "t_" + i, 0, new Config(new Dictionary<string, object?> { ["lr"] = i * 1.5 }), TrialStatus.Running, 0, null, null, "", new Resources()), new Dictionary<string, object?> { ["t"] = (double)t, ["score"] = Math.Sin(i) * t });
        Assert.Null(original.SaveState()["kernel"]);

        original.Select(Config.Empty);

        var kernel = original.SaveState()["kernel"]!.AsArray();
        Assert.Equal(4, kernel.Count); // log length scales of time and lr, log signal, log noise
        var restored = Make();
        restored.RestoreState(TuneSharp.Tests.Search.Tpe.TpeTestKit.RoundTrip(original.SaveState()));
        Assert.Equal(original.SaveState().ToJsonString(), restored.SaveState().ToJsonString());
    }
}
