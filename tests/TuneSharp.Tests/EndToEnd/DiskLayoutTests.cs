using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using TuneSharp.Reporting;
using TuneSharp.Search;

namespace TuneSharp.Tests.EndToEnd;

/// <summary>Tunes a small objective and checks the experiment folder file by file against Ray's layout
/// (docs/RAY-LAYOUT.md).</summary>
public class DiskLayoutTests
{
    private const string Date = "2026-11-27_21-20-26";

    private static readonly string[] AutomaticFields =
    [
        "training_iteration", "time_this_iter_s", "time_total_s", "timestamp", "date", "trial_id", "iterations_since_restore",
        "done", "checkpoint_dir_name", "config", "pid", "hostname", "node_ip", "time_since_restore",
    ];

    // A named method, so the trainable is named after it, as Ray names a trainable after its function.
    private static async Task Objective(TrialContext trial)
    {
        double x = trial.Config.Get<double>("x");
        for (int i = 1; i <= 3; i++)
        {
            var metrics = new Metrics { ["loss"] = x * x + 1.0 / i, ["nested"] = new Dictionary<string, object?> { ["i"] = i } };
            if (i == 3)
                metrics["late"] = 1.5; // a key that first appears in the last result
            int step = i;
            await trial.ReportAsync(metrics,
                Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "model.txt"), $"{trial.TrialId}:{step}")));
        }
    }

    private static string Clean(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture); // Ray's f"{v:.4f}"

    [Fact]
    public async Task FitAsync_SmallObjective_WritesRayLayoutFileByFile()
    {
        using var temp = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 21, 20, 26, TimeSpan.Zero));
        clock.SetLocalTimeZone(TimeZoneInfo.Utc);
        var space = new SearchSpace
        {
            ["x"] = Tune.Uniform(0.1, 1), ["k"] = Tune.GridSearch(1, 2),
            ["opt"] = new SearchSpace { ["lr"] = Tune.LogUniform(1e-2, 1e-1) }, ["epochs"] = 3,
        };
        var tuner = new Tuner(TrainableDefinition.FromFunction(Objective), space,
            new TuneConfig { Metric = "loss", Mode = Mode.Min, Seed = 5, AvailableResources = new Resources { Cpu = 2 } },
            new RunConfig { StoragePath = temp.Path, Verbose = 0, TimeProvider = clock });

        var grid = await tuner.FitAsync();

        // Experiment folder: <trainable>_<date>, holding tuner.json, the state snapshot and one folder per trial.
        string experiment = Path.Combine(temp.Path, $"Objective_{Date}");
        Assert.Equal(experiment, grid.ExperimentPath);
        Assert.Equal(["Objective_" + Date], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName));
        var files = Directory.EnumerateFiles(experiment).Select(Path.GetFileName).Order().ToList();
        Assert.Equal([$"experiment_state-{Date}.json", "tuner.json"], files);

        var tunerJson = JsonNode.Parse(File.ReadAllText(Path.Combine(experiment, "tuner.json")))!;
        Assert.Equal("Objective", tunerJson["trainable"]!.GetValue<string>());
        Assert.Equal("loss", tunerJson["metric"]!.GetValue<string>());
        Assert.Equal("min", tunerJson["mode"]!.GetValue<string>());
        Assert.Equal(5, tunerJson["seed"]!.GetValue<int>());

        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(experiment, $"experiment_state-{Date}.json")))!;
        var stateTrials = state["trials"]!.AsArray();
        Assert.Equal(2, stateTrials.Count);

        var trialDirs = Directory.EnumerateDirectories(experiment).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, trialDirs.Count);
        string hex = grid[0].TrialId[..5];
        Assert.Matches("^[0-9a-f]{5}$", hex);

        for (int index = 0; index < 2; index++)
        {
            var result = grid[index];
            Config config = result.Config;
            string trialId = $"{hex}_{index:D5}";
            Assert.Equal(trialId, result.TrialId);
            Assert.Equal($"Objective_{trialId}", result.TrialName);

            // Ray's folder name: <name>_<index>_<sorted key=value, 4 decimals>_<date>.
            string expectedDir = $"Objective_{trialId}_{index}_k={config.Get<int>("k")},lr={Clean(config.Get<double>("opt/lr"))},x={Clean(config.Get<double>("x"))}_{Date}";
            Assert.Equal(expectedDir, Path.GetFileName(result.Path));
            Assert.Equal(expectedDir, trialDirs[index]);
            Assert.Equal(expectedDir, stateTrials[index]!["dir_name"]!.GetValue<string>());
            Assert.Equal("TERMINATED", stateTrials[index]!["status"]!.GetValue<string>());

            // params.json: the resolved, nested config.
            var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(result.Path, "params.json")))!;
            Assert.Equal(config.Get<double>("x"), parameters["x"]!.GetValue<double>());
            Assert.Equal(index + 1, parameters["k"]!.GetValue<int>());
            Assert.Equal(config.Get<double>("opt/lr"), parameters["opt"]!["lr"]!.GetValue<double>());
            Assert.Equal(3, parameters["epochs"]!.GetValue<int>());

            CheckResultJson(result.Path, trialId, config);
            CheckProgressCsv(result.Path);
            CheckCheckpoints(result.Path, trialId);
            Assert.Equal(["checkpoint_000000", "checkpoint_000001", "checkpoint_000002", "params.json", "progress.csv", "result.json"],
                Directory.EnumerateFileSystemEntries(result.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
    }

    private static void CheckResultJson(string trialDir, string trialId, Config config)
    {
        var lines = TrialFiles.ResultLines(trialDir);
        Assert.Equal(3, lines.Count);
        for (int i = 0; i < 3; i++)
        {
            JsonObject line = lines[i];
            foreach (string field in AutomaticFields)
                Assert.True(line.ContainsKey(field), $"result.json line {i + 1} lacks '{field}'");
            Assert.Equal(i + 1, line["training_iteration"]!.GetValue<long>());
            Assert.Equal(i + 1, line["iterations_since_restore"]!.GetValue<long>());
            Assert.Equal(trialId, line["trial_id"]!.GetValue<string>());
            Assert.Equal(Date, line["date"]!.GetValue<string>());
            Assert.Equal(new DateTimeOffset(2026, 11, 27, 21, 20, 26, TimeSpan.Zero).ToUnixTimeSeconds(), line["timestamp"]!.GetValue<long>());
            Assert.False(line["done"]!.GetValue<bool>());
            Assert.Equal($"checkpoint_{i:D6}", line["checkpoint_dir_name"]!.GetValue<string>());
            Assert.Equal(Environment.ProcessId, line["pid"]!.GetValue<int>());
            Assert.False(string.IsNullOrEmpty(line["hostname"]!.GetValue<string>()));
            Assert.False(string.IsNullOrEmpty(line["node_ip"]!.GetValue<string>()));
            Assert.True(line["time_this_iter_s"]!.GetValue<double>() >= 0);
            Assert.True(line["time_total_s"]!.GetValue<double>() >= line["time_this_iter_s"]!.GetValue<double>());
            Assert.Equal(config.Get<double>("opt/lr"), line["config"]!["opt"]!["lr"]!.GetValue<double>());
            Assert.Equal(i + 1, line["nested"]!["i"]!.GetValue<int>());
            Assert.Equal(i == 2, line.ContainsKey("late"));
        }
        // time_total_s accumulates time_this_iter_s.
        double sum = lines.Sum(l => l["time_this_iter_s"]!.GetValue<double>());
        Assert.Equal(sum, lines[^1]["time_total_s"]!.GetValue<double>(), 9);
    }

    private static void CheckProgressCsv(string trialDir)
    {
        string[] rows = File.ReadAllLines(Path.Combine(trialDir, "progress.csv"));
        Assert.Equal(4, rows.Length);
        string[] header = rows[0].Split(',');
        foreach (string column in new[] { "loss", "nested/i", "late", "config/x", "config/k", "config/opt/lr", "config/epochs", "training_iteration", "trial_id", "checkpoint_dir_name" })
            Assert.Contains(column, header);
        Assert.DoesNotContain("config", header);
        Assert.Equal(header.Length, header.Distinct().Count());
        int late = Array.IndexOf(header, "late"), iteration = Array.IndexOf(header, "training_iteration");
        for (int row = 1; row <= 3; row++)
        {
            string[] cells = rows[row].Split(','); // no quoted cells in this experiment
            Assert.Equal(header.Length, cells.Length);
            Assert.Equal(row.ToString(), cells[iteration]);
            Assert.Equal(row == 3 ? "1.5" : "", cells[late]);
        }
    }

    private static void CheckCheckpoints(string trialDir, string trialId)
    {
        for (int i = 0; i < 3; i++)
        {
            string checkpoint = Path.Combine(trialDir, $"checkpoint_{i:D6}");
            Assert.Equal(["model.txt"], Directory.EnumerateFileSystemEntries(checkpoint).Select(Path.GetFileName));
            Assert.Equal($"{trialId}:{i + 1}", File.ReadAllText(Path.Combine(checkpoint, "model.txt")));
        }
    }

    [Fact]
    public async Task FitAsync_CustomTrialNames_AreUsedAndSanitised()
    {
        using var temp = new TempDirectory();
        var tuner = new Tuner(trial => trial.Report(new Metrics { ["loss"] = 1.0 }), new SearchSpace { ["k"] = Tune.GridSearch(1, 2) },
            new TuneConfig
            {
                TrialNameCreator = t => $"run-{t.Index}",
                TrialDirnameCreator = t => $"dir:{t.TrialName}/k={t.Config["k"]}",
            },
            new RunConfig { StoragePath = temp.Path, Name = "named", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(["run-0", "run-1"], grid.Select(r => r.TrialName));
        Assert.Equal(["dir_run-0_k=1", "dir_run-1_k=2"], grid.Select(r => Path.GetFileName(r.Path)));
        Assert.All(grid, r => Assert.True(Directory.Exists(r.Path)));
    }

    [Fact]
    public async Task FitAsync_NoCheckpoints_LeavesNoStagingOrTemporaryFiles()
    {
        using var temp = new TempDirectory();
        var grid = await new Tuner(trial =>
        {
            trial.Report(new Metrics { ["loss"] = 1.0 }, Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "a"), "")));
            trial.Report(new Metrics { ["loss"] = 0.5 });
        }, new SearchSpace(), new TuneConfig(), new RunConfig { StoragePath = temp.Path, Name = "clean", Verbose = 0 }).FitAsync();

        var everything = Directory.EnumerateFileSystemEntries(grid.ExperimentPath, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.DoesNotContain(everything, n => n!.StartsWith(".staging", StringComparison.Ordinal) || n.EndsWith(".tmp", StringComparison.Ordinal));
        Assert.Matches(new Regex("^trainable_[0-9a-f]{5}_00000_0_20"), Path.GetFileName(grid[0].Path));
    }

    [Fact]
    public async Task FitAsync_SameDirNameForEveryTrial_EachTrialGetsItsOwnFolder()
    {
        // The trial's own thread creates its folder, so the next trial's name is chosen before the folder exists.
        using var temp = new TempDirectory();
        var grid = await new Tuner(trial => trial.Report(new Metrics { ["loss"] = (double)trial.Config.Get<int>("k") }),
            new SearchSpace { ["k"] = Tune.GridSearch(1, 2, 3, 4) },
            new TuneConfig { TrialDirnameCreator = _ => "run", MaxPendingTrials = 1 },
            new RunConfig { StoragePath = temp.Path, Name = "same", Verbose = 0 }).FitAsync();

        Assert.Equal(["run", "run_1", "run_2", "run_3"], grid.Select(r => Path.GetFileName(r.Path)).Order());
        foreach (var result in grid)
            Assert.Single(File.ReadAllLines(Path.Combine(result.Path, "result.json")));
    }

    [Fact]
    public async Task FitAsync_CallbackWritesIntoTheFolderAtTrialStart_FolderExistsAndParamsAreWritten()
    {
        using var temp = new TempDirectory();
        var grid = await new Tuner(trial => trial.Report(new Metrics { ["loss"] = 1.0 }),
            new SearchSpace { ["k"] = Tune.GridSearch(1, 2) },
            new TuneConfig(),
            new RunConfig { StoragePath = temp.Path, Name = "callback", Verbose = 0, Callbacks = [new NoteWriter()] }).FitAsync();

        Assert.All(grid, r =>
        {
            Assert.Equal("started", File.ReadAllText(Path.Combine(r.Path, "note.txt")));
            Assert.True(File.Exists(Path.Combine(r.Path, "params.json")));
        });
    }

    private sealed class NoteWriter : TuneCallback
    {
        public override void OnTrialStart(TrialInfo trial) => File.WriteAllText(Path.Combine(trial.Directory, "note.txt"), "started");
    }
}
