using System.Diagnostics;
using System.Globalization;
using TuneSharp.Reporting;
using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Bench.Commands;

/// <summary>
/// TuneSharp's own cost per trial and per result: N trials that do nothing but report K times, run through
/// the full <see cref="Tuner"/> with storage on (every trial folder, params.json, result.json, progress.csv
/// and the experiment-state snapshots) and the status output off.
/// </summary>
internal sealed class OverheadCommand : IBenchCommand
{
    public string Name => "overhead";

    public string Summary => "N trivial trials of K reports each through the full Tuner, storage on, status off.";

    public IReadOnlyList<BenchOption> Options { get; } =
    [
        BenchOption.Value("trials", "N", "trials to run (TuneConfig.NumSamples)", "1000"),
        BenchOption.Value("reports", "K", "reports per trial", "1"),
        BenchOption.Value("concurrent", "C", "trials running at once (TuneConfig.AvailableResources CPUs; each trial takes 1)", "the processor count"),
        BenchOption.Value("warmup", "W", "first run an untimed experiment of W trials, so that the timed one runs JIT-compiled code", "0"),
        BenchOption.Value("storage", "DIR", "where the experiment folder is created", "the system temp folder"),
        BenchOption.Flag("keep", "keep the experiment folder (its path goes to standard error) instead of deleting it"),
        BenchOption.Flag("details", "print GC (collections, pauses, allocations, retained memory) and JIT figures to standard error"),
        BenchOption.Flag("tensorboard", "add a TensorBoardLogger to the callbacks (event files in every trial folder)"),
        BenchOption.Value("scheduler", "NAME", "fifo, or asha, hyperband, median or pbt (MaxT = K; trials then save a checkpoint with every " +
            "report, so that paused and exploiting trials resume, and report x·i for a config value x)", "fifo"),
    ];

    public async Task<int> RunAsync(BenchArgs args)
    {
        int trials = args.Int("trials", 1, 10_000_000);
        int reports = args.Int("reports", 1, 100_000_000);
        int concurrent = args.OptionalInt("concurrent", 1, 10_000) ?? Environment.ProcessorCount;
        int warmup = args.Int("warmup", 0, 10_000_000);
        string root = args.Directory("storage") ?? Path.GetTempPath();
        bool keep = args.Flag("keep");
        bool details = args.Flag("details");
        bool tensorboard = args.Flag("tensorboard");
        string scheduler = args.Text("scheduler");
        if (SchedulerFor(scheduler, reports) is null && scheduler != "fifo")
        {
            Console.Error.WriteLine($"overhead: --scheduler is '{scheduler}'; use fifo, asha, hyperband, median or pbt.");
            return ExitCodes.Usage;
        }

        if (warmup > 0)
        {
            string warmupStorage = NewFolder(root);
            await CreateTuner(warmup, reports, concurrent, warmupStorage, scheduler, tensorboard).FitAsync().ConfigureAwait(false);
            Directory.Delete(warmupStorage, recursive: true);
        }

        string storage = NewFolder(root);
        var tuner = CreateTuner(trials, reports, concurrent, storage, scheduler, tensorboard);
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        long allocated = GC.GetTotalAllocatedBytes();
        long jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
        TimeSpan jitTime = System.Runtime.JitInfo.GetCompilationTime();
        TimeSpan gcPause = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        var grid = await tuner.FitAsync().ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        double peakMb = BenchOutput.PeakWorkingSetMb();

        if (grid.Count != trials || grid.NumErrors > 0)
        {
            Console.Error.WriteLine($"overhead: expected {trials} finished trials, got {grid.Count} with {grid.NumErrors} errors; the figures would be meaningless.");
            return ExitCodes.Failed;
        }
        long allocatedNow = GC.GetTotalAllocatedBytes() - allocated;
        var collections = (GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
        var (jitMethodsRun, jitTimeRun, gcPauseRun) = (System.Runtime.JitInfo.GetCompiledMethodCount() - jitMethods,
            System.Runtime.JitInfo.GetCompilationTime() - jitTime, GC.GetTotalPauseDuration() - gcPause);
        // Every trial reports K times without a scheduler; with one, as many as it let through, counted from the
        // result files after the run and its figures (a callback would add work to the run itself).
        long results = scheduler == "fifo" ? (long)trials * reports : grid.Sum(r => (long)r.ReadHistory().Count);
        if (details)
        {
            // What stays alive with the ResultGrid: the per-trial summaries the memory goal allows.
            long retained = GC.GetTotalMemory(forceFullCollection: true);
            Console.Error.WriteLine(
                $"gc: gen0={collections.Item1} gen1={collections.Item2} gen2={collections.Item3}, " +
                $"paused {gcPauseRun.TotalMilliseconds:F0} ms, " +
                $"allocated={allocatedNow / 1048576.0:F1} MiB ({allocatedNow / (double)results:F0} B/result), " +
                $"retained with the ResultGrid={retained / 1048576.0:F1} MiB ({retained / (double)trials:F0} B/trial)");
            Console.Error.WriteLine(
                $"jit during the run: {jitMethodsRun} methods compiled in {jitTimeRun.TotalMilliseconds:F0} ms (all threads)");
        }
        GC.KeepAlive(grid);

        if (keep)
            Console.Error.WriteLine($"overhead: kept the experiment in {grid.ExperimentPath}");
        else
            Directory.Delete(storage, recursive: true);

        BenchOutput.WriteLine(
            ("bench", "overhead"),
            ("scheduler", scheduler),
            ("tensorboard", tensorboard),
            ("trials", trials),
            ("reports", reports),
            ("seconds", Math.Round(seconds, 3)),
            ("trials_per_s", Math.Round(trials / seconds, 1)),
            ("results_per_s", Math.Round(results / seconds, 1)),
            ("peak_working_set_mb", peakMb));
        return ExitCodes.Ok;
    }

    private static string NewFolder(string root) => Path.Combine(root, $"tunesharp-bench-{Guid.NewGuid():N}");

    private static Tuner CreateTuner(int trials, int reports, int concurrent, string storage, string scheduler, bool tensorboard) => new(
        scheduler == "fifo"
            ? TrainableDefinition.FromFunction(trial => ReportTimes(trial, reports), name: "overhead")
            : TrainableDefinition.FromFunction(trial => ReportWithCheckpoints(trial, reports), name: "overhead"),
        new() { ["x"] = Tune.Uniform(0, 1) },
        SchedulerFor(scheduler, reports) is { } chosen
            ? new TuneConfig
            {
                NumSamples = trials, Seed = 0, AvailableResources = new Resources { Cpu = concurrent },
                Metric = "score", Mode = Mode.Max, Scheduler = chosen,
            }
            : new TuneConfig { NumSamples = trials, Seed = 0, AvailableResources = new Resources { Cpu = concurrent } },
        new RunConfig
        {
            StoragePath = storage, Name = "overhead", Verbose = 0, CheckpointConfig = new CheckpointConfig { NumToKeep = 1 },
            Callbacks = tensorboard ? [new TensorBoardLogger()] : [],
        });

    private static ITrialScheduler? SchedulerFor(string name, int reports) => name switch
    {
        "asha" => new AshaScheduler { MaxT = reports, GracePeriod = 1, ReductionFactor = 3 },
        "hyperband" => new HyperBandScheduler { MaxT = reports, ReductionFactor = 3 },
        "median" => new MedianStoppingRule { TimeAttr = ResultFields.TrainingIteration, GracePeriod = 1 },
        "pbt" => new PopulationBasedTraining
        {
            TimeAttr = ResultFields.TrainingIteration, PerturbationInterval = Math.Max(1, reports / 3),
            HyperparamMutations = new SearchSpace { ["x"] = Tune.Uniform(0, 1) },
        },
        _ => null,
    };

    private static async Task ReportTimes(TrialContext trial, int reports)
    {
        for (int i = 0; i < reports; i++)
            await trial.ReportAsync(new Metrics { ["score"] = i });
    }

    /// <summary>Reports x·i with a one-line checkpoint holding i, continuing from the checkpoint it is given.</summary>
    private static async Task ReportWithCheckpoints(TrialContext trial, int reports)
    {
        int start = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "i")), CultureInfo.InvariantCulture)) ?? 0;
        double x = trial.Config.Get<double>("x");
        for (int i = start + 1; i <= reports; i++)
        {
            int step = i;
            await trial.ReportAsync(new Metrics { ["score"] = x * step },
                Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "i"), step.ToString(CultureInfo.InvariantCulture))));
        }
    }
}
