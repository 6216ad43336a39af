using TuneSharp.Results;
using TuneSharp.Schedulers;
using TuneSharp.Schedulers.Pbt;
using TuneSharp.Search;

namespace TuneSharp.Tests.Schedulers;

public class PopulationBasedTrainingTests
{
    private static Config ConfigOf(params (string Key, object? Value)[] values) =>
        new(values.ToDictionary(v => v.Key, v => v.Value));

    [Fact]
    public void Explore_ListMutation_MovesToANeighbourOrResamples()
    {
        var explorer = new PbtExplorer(new SearchSpace { ["m"] = new List<object?> { 0.8, 0.9, 0.99 } }, 0, [1.2, 0.8], null);
        var random = new Random(1);
        var seen = Enumerable.Range(0, 200).Select(_ => explorer.Explore(ConfigOf(("m", 0.9)), random).Get<double>("m")).ToHashSet();
        Assert.Equal(new HashSet<double> { 0.8, 0.99 }, seen); // never stays, never jumps (no resampling at p = 0)

        var edge = Enumerable.Range(0, 200).Select(_ => explorer.Explore(ConfigOf(("m", 0.8)), random).Get<double>("m")).ToHashSet();
        Assert.Equal(new HashSet<double> { 0.8, 0.9 }, edge); // clamped at the ends
    }

    [Fact]
    public void Explore_ChoiceMutation_IsTreatedAsAList()
    {
        var explorer = new PbtExplorer(new SearchSpace { ["opt"] = Tune.Choice("sgd", "adam", "rmsprop") }, 0, [1.2, 0.8], null);
        var values = Enumerable.Range(0, 100).Select(i => explorer.Explore(ConfigOf(("opt", "adam")), new Random(i)).Get<string>("opt")).ToHashSet();
        Assert.Equal(new HashSet<string> { "sgd", "rmsprop" }, values);
    }

    [Fact]
    public void Explore_ContinuousMutation_ScalesByAFactorWithinBounds()
    {
        var explorer = new PbtExplorer(new SearchSpace { ["lr"] = Tune.Uniform(0.0001, 1) }, 0, [1.2, 0.8], null);
        var values = Enumerable.Range(0, 100).Select(i => explorer.Explore(ConfigOf(("lr", 0.5)), new Random(i)).Get<double>("lr")).ToHashSet();
        Assert.Equal(new HashSet<double> { 0.6, 0.4 }, values.Select(v => Math.Round(v, 12)).ToHashSet());
        Assert.Equal(1.0, explorer.Explore(ConfigOf(("lr", 0.95)), new Random(SeedFor(explorer, 0.95, up: true))).Get<double>("lr"));
    }

    [Fact]
    public void Explore_FloatMutationWhoseValueCameBackFromJsonAsAWholeNumber_StaysAFloat()
    {
        var explorer = new PbtExplorer(new SearchSpace { ["x"] = Tune.Uniform(0.1, 1.0) }, 0, [1.2, 0.8], null);
        // A clamped 1.0, as an older state file or params.json gave it back: 1 (an integer).
        var values = Enumerable.Range(0, 50).Select(i => explorer.Explore(ConfigOf(("x", 1L)), new Random(i)).Get<object>("x")).ToList();
        Assert.All(values, v => Assert.IsType<double>(v));
        Assert.Contains(0.8, values.Cast<double>().Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void ConfigJson_WholeFloat_ReadsBackAsAFloat()
    {
        var config = ConfigOf(("x", 1.0), ("n", 3L));
        string json = config.ToString();
        Assert.Equal("{\"x\":1.0,\"n\":3}", json);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var back = Config.FromJson(document.RootElement);
        Assert.IsType<double>(back.Get<object>("x"));
        Assert.IsType<long>(back.Get<object>("n"));
        // Whole floats still read into integer types.
        var layers = new Config(new Dictionary<string, object?> { ["layers"] = new List<object?> { 64.0, 32.0 } });
        Assert.Equal([64, 32], layers.Get<int[]>("layers"));
    }

    private static int SeedFor(PbtExplorer explorer, double start, bool up)
    {
        for (int seed = 0; ; seed++)
            if (explorer.Explore(ConfigOf(("lr", start)), new Random(seed)).Get<double>("lr") > start == up)
                return seed;
    }

    [Fact]
    public void Explore_ResampleProbabilityOne_DrawsFromTheDomainAndFunctions()
    {
        var explorer = new PbtExplorer(new SearchSpace
        {
            ["lr"] = Tune.Uniform(0.001, 0.002),
            ["k"] = new Func<object?>(() => 42L),
            ["n"] = Tune.RandInt(3, 4),
        }, 1, [1.2, 0.8], c => c.With("extra", true));
        Config result = explorer.Explore(ConfigOf(("lr", 0.5), ("k", 7L), ("n", 100L)), new Random(3));
        Assert.InRange(result.Get<double>("lr"), 0.001, 0.002);
        Assert.Equal(42L, result.Get<long>("k"));
        Assert.Equal(3L, result.Get<long>("n"));
        Assert.True(result.Get<bool>("extra")); // the custom explore function runs last
    }

    [Fact]
    public void Setup_Invalid_NamesTheOptionAndValue()
    {
        var e = Assert.Throws<TuneException>(() => new PopulationBasedTraining { HyperparamMutations = new() { ["lr"] = Tune.Uniform(0, 1) }, QuantileFraction = 0.7 }.Setup("acc", Mode.Max, 0));
        Assert.Contains("QuantileFraction is 0.7", e.Message);
        e = Assert.Throws<TuneException>(() => new PopulationBasedTraining().Setup("acc", Mode.Max, 0));
        Assert.Contains("HyperparamMutations", e.Message);
        // A constant cannot be mutated: refused at setup, not at the first exploit.
        e = Assert.Throws<TuneException>(() => new PopulationBasedTraining { HyperparamMutations = new() { ["nested"] = new SearchSpace { ["x"] = 1 } } }.Setup("acc", Mode.Max, 0));
        Assert.Contains("HyperparamMutations['nested/x'] is 1", e.Message);
        // NaN passes no range check.
        e = Assert.Throws<TuneException>(() => new PopulationBasedTraining { HyperparamMutations = new() { ["lr"] = Tune.Uniform(0, 1) }, QuantileFraction = double.NaN }.Setup("acc", Mode.Max, 0));
        Assert.Contains("QuantileFraction is NaN", e.Message);
    }

    [Fact]
    public void Setup_InvalidMutationDomains_AreRefusedNamingTheEntry()
    {
        static TuneException Refused(object mutation) => Assert.Throws<TuneException>(() =>
            new PopulationBasedTraining { HyperparamMutations = new() { ["lr"] = mutation } }.Setup("acc", Mode.Max, 0));

        Assert.Contains("HyperparamMutations['lr']", Refused(Tune.LogUniform(0, 1)).Message);           // a log bound at 0: every draw NaN
        Assert.Contains("HyperparamMutations['lr']", Refused(Tune.Uniform(1, 0)).Message);
        Assert.Contains("no values", Refused(Tune.Choice()).Message);
        Assert.Contains("HyperparamMutations['lr'] is an empty list", Refused(new List<object?>()).Message);
        Assert.Contains("Pb2.Candidates is 0", Assert.Throws<TuneException>(() => new Pb2
        {
            HyperparamBounds = new Dictionary<string, (double, double)> { ["lr"] = (0, 1) }, Candidates = 0,
        }.Setup("acc", Mode.Max, 0)).Message);
        Assert.StartsWith("Pb2 needs a metric", Assert.Throws<TuneException>(() => new Pb2
        {
            HyperparamBounds = new Dictionary<string, (double, double)> { ["lr"] = (0, 1) },
        }.Setup(null, null, 0)).Message);
    }

    [Fact]
    public async Task FitAsync_ExploitOfAResultWithAMetricJsonCannotHold_StillCopiesTheCheckpoint()
    {
        // The exploit's copy keeps its result in the folder: a metric of any kind must not end the experiment there.
        using var temp = new TempDirectory();
        Action notJson = () => { };
        var grid = await new Tuner(async trial =>
            {
                int step = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "s")))) ?? 0;
                while (step < 6)
                {
                    int s = ++step;
                    await trial.ReportAsync(new Metrics { ["weight"] = s * trial.Config.Get<double>("lr"), ["callback"] = notJson },
                        Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "s"), s.ToString())));
                }
            },
            new SearchSpace { ["lr"] = Tune.GridSearch(0.1, 0.2, 1.0, 2.0) },
            new TuneConfig
            {
                Seed = 3, AvailableResources = new Resources { Cpu = 1 },
                Scheduler = new PopulationBasedTraining
                {
                    TimeAttr = "training_iteration", Metric = "weight", Mode = Mode.Max, PerturbationInterval = 3,
                    HyperparamMutations = new SearchSpace { ["lr"] = Tune.Uniform(0.01, 5) },
                },
            },
            new RunConfig { StoragePath = temp.Path, Name = "pbtodd", Verbose = 0 }).FitAsync();

        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        Assert.NotEmpty(File.ReadAllLines(Path.Combine(grid.ExperimentPath, "pbt_global.txt")));
    }

    [Fact]
    public async Task FitAsync_MutatedHyperparameterMissingFromTheSpace_IsDrawnFromItsMutation()
    {
        using var temp = new TempDirectory();
        var grid = await new Tuner(async trial =>
            {
                for (int i = 0; i < 2; i++)
                    await trial.ReportAsync(new Metrics { ["score"] = trial.Config.Get<double>("lr") + trial.Config.Get<int>("batch") });
            },
            new SearchSpace { ["x"] = Tune.GridSearch(1, 2, 3) },
            new TuneConfig
            {
                Seed = 1, Metric = "score", Mode = Mode.Max,
                Scheduler = new PopulationBasedTraining
                {
                    TimeAttr = "training_iteration", PerturbationInterval = 1,
                    HyperparamMutations = new SearchSpace { ["lr"] = Tune.Uniform(0.5, 0.6), ["batch"] = new[] { 16, 32 } },
                },
            },
            new RunConfig { StoragePath = temp.Path, Name = "pbtfill", Verbose = 0 }).FitAsync();

        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        // Each trial got both from the mutations (Ray's _fill_config), and they are in its params.json.
        Assert.All(grid, r => Assert.InRange(r.Config.Get<double>("lr"), 0.5 * 0.8, 0.6 * 1.2));
        Assert.All(grid, r => Assert.Contains(r.Config.Get<int>("batch"), new[] { 16, 32 }));
        Assert.All(grid, r => Assert.Contains("\"batch\"", File.ReadAllText(Path.Combine(r.Path, "params.json")), StringComparison.Ordinal));
    }

    // Each trial's "weight" grows by its lr per step; the checkpoint holds (step, weight). A trial that
    // exploits must continue from the source's step and weight, not from its own or from zero.
    private static Task Grow(TrialContext trial) => Grow(trial, end: 12);

    private static async Task Grow(TrialContext trial, int end)
    {
        var (step, weight) = trial.GetCheckpoint()?.Read(d =>
        {
            var parts = File.ReadAllText(Path.Combine(d, "state")).Split(' ');
            return (int.Parse(parts[0]), double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }) ?? (0, 0.0);
        while (step < end)
        {
            step++;
            weight += trial.Config.Get<double>("lr");
            int s = step;
            double w = weight;
            await trial.ReportAsync(new Metrics { ["weight"] = w, ["step"] = s, ["lr"] = trial.Config.Get<double>("lr") },
                Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "state"), FormattableString.Invariant($"{s} {w}"))));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FitAsync_Pbt_ExploitsCopyTheSourceCheckpointAndContinueFromIt(bool synch)
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(Grow, new SearchSpace { ["lr"] = Tune.GridSearch(0.1, 0.2, 1.0, 2.0) },
            new TuneConfig
            {
                Seed = 3,
                Scheduler = new PopulationBasedTraining
                {
                    TimeAttr = "training_iteration", Metric = "weight", Mode = Mode.Max, PerturbationInterval = 3,
                    HyperparamMutations = new SearchSpace { ["lr"] = Tune.Uniform(0.01, 5) }, Synch = synch,
                },
            },
            new RunConfig { StoragePath = temp.Path, Name = "pbt", Verbose = 0, CheckpointConfig = new CheckpointConfig { NumToKeep = 2, CheckpointScoreAttribute = "weight" } });

        var grid = await tuner.FitAsync();

        string global = Path.Combine(grid.ExperimentPath, "pbt_global.txt");
        Assert.True(File.Exists(global));
        var exploits = File.ReadAllLines(global);
        Assert.NotEmpty(exploits);
        foreach (var result in grid)
        {
            var history = result.ReadHistory();
            // Each trial trains to step 12, unless its last exploit copied a source that had finished already (a
            // checkpoint at step 12): then it has nothing left to train and ends without another result, as in Ray.
            if (!Equals(history[^1]["step"], 12L))
                Assert.Equal(12, LastExploitSourceIteration(exploits, result.TrialName));
            // The step always follows training_iteration: exploits continue at the source's iteration, never from zero.
            Assert.All(history, h => Assert.Equal(h["training_iteration"], h["step"]));
            // Weight never resets: each row's weight is the previous weight (its own, or the source's) plus lr.
            Assert.All(history, h => Assert.True(Convert.ToDouble(h["weight"]) > 0));
        }
        // The worst starting trial (lr 0.1) must have copied a better one at some point.
        var slowest = grid.Single(r => r.ReadHistory()[0]["lr"] is double lr && lr == 0.1);
        Assert.True(File.Exists(Path.Combine(grid.ExperimentPath, $"pbt_policy_{slowest.TrialId}.txt")));
        Assert.True(slowest.GetMetric("weight") > 12 * 0.1 + 1e-9);
        // The population did not collapse onto a single lr.
        Assert.True(grid.Select(r => r.Config.Get<double>("lr")).Distinct().Count() > 1);
    }

    [Fact]
    public async Task FitAsync_SynchWithBurnInOfTwoIntervals_RunsEveryTrialToTheEnd()
    {
        using var temp = new TempDirectory();
        var grid = await SynchPbt(temp, Grow, burnIn: 6);

        // The first sync is at the burn-in (6), not at the interval (3), which no result before the burn-in records.
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        Assert.All(grid, r => Assert.True((long)r.Metrics["training_iteration"]! > 6));
        Assert.NotEmpty(File.ReadAllLines(Path.Combine(grid.ExperimentPath, "pbt_global.txt")));
    }

    [Fact]
    public async Task FitAsync_SynchMemberEndsBeforeTheSync_TheOthersSyncWithoutItAndFinish()
    {
        using var temp = new TempDirectory();
        // The lr 2.0 trial ends at step 2, before the first sync point (3), while the others wait there for it.
        var grid = await SynchPbt(temp, trial => Grow(trial, end: trial.Config.Get<double>("lr") == 2.0 ? 2 : 12), burnIn: 0);

        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        Assert.Equal(2L, grid.Single(r => r.ReadHistory()[0]["lr"] is 2.0).Metrics["training_iteration"]);
        Assert.Equal(3, grid.Count(r => (long)r.Metrics["training_iteration"]! > 3));
    }

    /// <summary>The class-API twin of <see cref="Grow(TrialContext, int)"/>: it saves only when the Tuner asks.</summary>
    private class Grower : Trainable
    {
        private int _step;
        private double _weight;

        public override Metrics Step()
        {
            _step++;
            _weight += Config.Get<double>("lr");
            return new Metrics { ["weight"] = _weight, ["step"] = _step, ["lr"] = Config.Get<double>("lr"), ["done"] = _step == 12 };
        }

        public override void SaveCheckpoint(string checkpointDirectory) =>
            File.WriteAllText(Path.Combine(checkpointDirectory, "state"), FormattableString.Invariant($"{_step} {_weight}"));

        public override void LoadCheckpoint(string checkpointDirectory)
        {
            var parts = File.ReadAllText(Path.Combine(checkpointDirectory, "state")).Split(' ');
            (_step, _weight) = (int.Parse(parts[0]), double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>A <see cref="Grower"/> whose lr 0.2 member fails its first save (the trial is retried).</summary>
    private sealed class GrowerFailingASave : Grower
    {
        public static int Failed;

        public override void SaveCheckpoint(string checkpointDirectory)
        {
            if (Config.Get<double>("lr") == 0.2 && Interlocked.Exchange(ref Failed, 1) == 0)
                throw new IOException("disk full (test)");
            base.SaveCheckpoint(checkpointDirectory);
        }
    }

    [Fact]
    public async Task FitAsync_SynchClassTrainableWhosePauseSaveFails_IsRetriedAndTheOthersStillSync()
    {
        using var temp = new TempDirectory();
        GrowerFailingASave.Failed = 0;
        var grid = await ClassPbt(TrainableDefinition.FromClass<GrowerFailingASave>(), cpus: 4, synch: true,
            new RunConfig { StoragePath = temp.Path, Name = "pbtsavefail", FailureConfig = new FailureConfig { MaxFailures = 2 } });

        Assert.Equal(1, GrowerFailingASave.Failed);
        // The member that failed had no save to wait for: the sync went on without one, and every trial finished.
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        Assert.All(grid, r => Assert.Equal(12L, r.Metrics["training_iteration"]));
    }

    [Fact]
    public async Task FitAsync_SynchExperimentStoppedAtTheSyncPoint_ExploitsNothingItWillNotRun()
    {
        using var temp = new TempDirectory();
        var grid = await ClassPbt(TrainableDefinition.FromClass<Grower>(), cpus: 4, synch: true,
            new RunConfig { StoragePath = temp.Path, Name = "pbtstop", Stop = new StopAllAt(members: 4, iteration: 3) });

        // Every trial's config is the one its last result was trained with, and no exploit was logged that never ran.
        Assert.All(grid, r => Assert.Equal(r.Config.Get<double>("lr"), r.GetMetric("lr")));
        Assert.False(File.Exists(Path.Combine(grid.ExperimentPath, "pbt_global.txt")));
    }

    /// <summary>PBT over lr ∈ {0.1, 0.2, 1, 2} of a class trainable, perturbing every 3 iterations.</summary>
    private static Task<ResultGrid> ClassPbt(TrainableDefinition trainable, int cpus, bool synch, RunConfig run) =>
        new Tuner(trainable, new SearchSpace { ["lr"] = Tune.GridSearch(0.1, 0.2, 1.0, 2.0) },
            new TuneConfig
            {
                Seed = 3, AvailableResources = new Resources { Cpu = cpus },
                Scheduler = new PopulationBasedTraining
                {
                    TimeAttr = "training_iteration", Metric = "weight", Mode = Mode.Max, PerturbationInterval = 3, Synch = synch,
                    HyperparamMutations = new SearchSpace { ["lr"] = Tune.Uniform(0.01, 5) },
                },
            },
            run with { Verbose = 0 }).FitAsync();

    /// <summary>Ends the experiment once <c>members</c> trials have reported <c>iteration</c>.</summary>
    private sealed class StopAllAt(int members, long iteration) : TuneSharp.Stopping.Stopper
    {
        private readonly HashSet<string> _arrived = new();

        public override bool ShouldStopTrial(string trialId, IReadOnlyDictionary<string, object?> result)
        {
            if (Convert.ToInt64(result["training_iteration"]) >= iteration)
                _arrived.Add(trialId);
            return false;
        }

        public override bool ShouldStopAll() => _arrived.Count >= members;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)] // an exploit is no end: CheckpointAtEnd must not save the state the exploit throws away
    [InlineData(true, true)]
    public async Task FitAsync_ClassTrainableWithoutCheckpointFrequency_ExploitsCopyTheSourceAsScored(bool synch, bool checkpointAtEndKeepOne)
    {
        using var temp = new TempDirectory();
        // One trial at a time: members take turns at each interval, so the run is the same every time.
        var grid = await ClassPbt(TrainableDefinition.FromClass<Grower>(), cpus: 1, synch, new RunConfig
        {
            StoragePath = temp.Path, Name = "pbtclass",
            CheckpointConfig = checkpointAtEndKeepOne ? new CheckpointConfig { CheckpointAtEnd = true, NumToKeep = 1 } : new CheckpointConfig(),
        });

        // Without a save at the perturbation a class trainable has no checkpoint to copy, and nothing is exploited.
        var exploits = File.ReadAllLines(Path.Combine(grid.ExperimentPath, "pbt_global.txt"))
            .Select(line => System.Text.Json.Nodes.JsonNode.Parse(line)!.AsArray()).ToList();
        Assert.NotEmpty(exploits);
        foreach (var result in grid)
        {
            var history = result.ReadHistory();
            Assert.All(history, h => Assert.Equal(h["training_iteration"], h["step"]));
            // After each exploit the trial continues from the state the source was scored with (pbt_global.txt lines
            // are [target, source, target iteration, source iteration, old config, new config]). In synchronous mode
            // that is the source's state at the sync; asynchronously, its state at its latest perturbation (every 3).
            foreach (var exploit in exploits.Where(e => (string?)e[0] == result.TrialName && e[3]!.GetValue<long>() < 12))
            {
                double newLr = exploit[5]!["lr"]!.GetValue<double>();
                long copied = (long)history.First(h => Convert.ToDouble(h["lr"]) == newLr)["step"]! - 1;
                long sourceIteration = exploit[3]!.GetValue<long>();
                if (synch)
                    Assert.Equal(sourceIteration, copied);
                else
                    Assert.True(copied % 3 == 0 && copied > 0 && copied <= sourceIteration, $"copied {copied}, source at {sourceIteration}");
            }
        }
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
    }

    private static Task<ResultGrid> SynchPbt(TempDirectory temp, Func<TrialContext, Task> trainable, double burnIn) =>
        new Tuner(trainable, new SearchSpace { ["lr"] = Tune.GridSearch(0.1, 0.2, 1.0, 2.0) },
            new TuneConfig
            {
                Seed = 3,
                Scheduler = new PopulationBasedTraining
                {
                    TimeAttr = "training_iteration", Metric = "weight", Mode = Mode.Max, PerturbationInterval = 3, BurnInPeriod = burnIn,
                    HyperparamMutations = new SearchSpace { ["lr"] = Tune.Uniform(0.01, 5) }, Synch = true,
                },
            },
            new RunConfig { StoragePath = temp.Path, Name = "pbtsynch", Verbose = 0 }).FitAsync();

    // pbt_global.txt lines are [target, source, target iteration, source iteration, old config, new config].
    private static long? LastExploitSourceIteration(IEnumerable<string> exploits, string trialName) =>
        exploits.Select(line => System.Text.Json.Nodes.JsonNode.Parse(line)!.AsArray())
            .LastOrDefault(entry => (string?)entry[0] == trialName)?[3]?.GetValue<long>();
}

public class PopulationBasedTrainingStateTests
{
    private static TrialInfo Info(string id, string? checkpoint) =>
        new(id, "t_" + id, 0, new Config(new Dictionary<string, object?> { ["lr"] = 0.5 }), TrialStatus.Running, 3, null, checkpoint, "", new Resources());

    private static Dictionary<string, object?> At(double t, double score) => new() { ["training_iteration"] = t, ["score"] = score };

    private static PopulationBasedTraining Pbt()
    {
        var pbt = new PopulationBasedTraining
        {
            TimeAttr = "training_iteration", Metric = "score", Mode = Mode.Max, PerturbationInterval = 3, LogConfig = false,
            HyperparamMutations = new SearchSpace { ["lr"] = Tune.Uniform(0.001, 1) },
        };
        pbt.Setup(null, null, 7);
        return pbt;
    }

    private sealed class ClassTrainableView : IExperimentView
    {
        public int WaitingCount => 0;
        public int RunningCount => 3;
        public string ExperimentPath => "";
        public Resources Capacity => new() { Cpu = 3 };
        public Resources LiveTrialResources => new() { Cpu = 3 };
        public bool SavesOnPause => true;
    }

    [Fact]
    public void OnTrialResult_ClassTrainableInTheTopQuantile_AsksForASaveAndOffersThatCheckpointAsTheSource()
    {
        var pbt = Pbt();
        ((ITrialScheduler)pbt).Attach(new ClassTrainableView());
        foreach (string id in new[] { "a", "b", "c" })
            pbt.OnTrialAdd(Info(id, null));
        Assert.Equal(TrialDecision.Continue, pbt.OnTrialResult(Info("a", null), At(3, 0.9))); // alone: no quantiles yet
        Assert.Equal(TrialDecision.Continue, pbt.OnTrialResult(Info("c", null), At(3, 0.6)));

        // b is the worst of three, but the top member a has no checkpoint yet: nothing to copy.
        Assert.Equal(TrialAction.Continue, pbt.OnTrialResult(Info("b", null), At(3, 0.5)).Action);
        // At its next interval a is on top: it is asked to save, and the save becomes the source, but only once it is
        // stored: until then a offers no checkpoint (an older one would not hold the state that scored 0.95).
        Assert.Equal(TrialDecision.SaveAndContinue, pbt.OnTrialResult(Info("a", "/ckpt/old"), At(6, 0.95)));
        Assert.Equal(TrialAction.Continue, pbt.OnTrialResult(Info("b", null), At(6, 0.55)).Action);
        pbt.OnTrialCheckpoint(Info("a", "/ckpt/a6"), "/ckpt/a6");
        Assert.True(pbt.NeedsCheckpoint("/ckpt/a6"));

        var exploit = pbt.OnTrialResult(Info("b", null), At(9, 0.55));
        Assert.Equal(TrialAction.Restart, exploit.Action);
        Assert.Equal("/ckpt/a6", exploit.FromCheckpoint);
        // A result that brought its own checkpoint needs no save: that checkpoint is the state as scored.
        var withOwn = new Dictionary<string, object?>(At(9, 0.99)) { [ResultFields.CheckpointDirName] = "checkpoint_000004" };
        Assert.Equal(TrialDecision.Continue, pbt.OnTrialResult(Info("a", "/ckpt/a9"), withOwn));
        Assert.True(pbt.NeedsCheckpoint("/ckpt/a9"));
    }

    [Fact]
    public void SaveState_RestoreState_KeepsScoresSourcesAndDecisions()
    {
        var original = Pbt();
        foreach (var (id, score) in new[] { ("a", 0.9), ("b", 0.5), ("c", 0.6) })
        {
            original.OnTrialAdd(Info(id, null));
            original.OnTrialResult(Info(id, $"/ckpt/{id}"), At(3, score));
        }
        var restored = Pbt();
        restored.RestoreState(original.SaveState());

        Assert.True(restored.NeedsCheckpoint("/ckpt/a")); // the top trial's checkpoint is still a source
        // The worst trial reaching the next interval exploits the best one in both.
        var before = original.OnTrialResult(Info("b", "/ckpt/b"), At(6, 0.1));
        var after = restored.OnTrialResult(Info("b", "/ckpt/b"), At(6, 0.1));
        Assert.Equal(TrialAction.Restart, before.Action);
        Assert.Equal((before.Action, before.FromCheckpoint), (after.Action, after.FromCheckpoint));
    }
}
