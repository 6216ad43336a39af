using System.Text.Json;
using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.Schedulers;

public class PopulationBasedTrainingReplayTests
{
    private static string Line(string target, string source, long targetStep, long sourceStep, double oldLr, double newLr) =>
        JsonSerializer.Serialize(new object[] { target, source, targetStep, sourceStep, new { lr = oldLr }, new { lr = newLr } });

    [Fact]
    public void Constructor_PolicyLog_KeepsTheLineageChainOnly()
    {
        using var temp = new TempDirectory();
        string file = Path.Combine(temp.Path, "pbt_policy_x.txt");
        // B copied A at step 4 (lr 0.5 -> 0.6); then C copied B at step 8 (lr 0.6 -> 0.72): the chain C <- B <- A.
        // The first line (Z copied Y) is not part of that lineage, so it is not replayed.
        File.WriteAllLines(file,
        [
            Line("Z", "Y", 2, 2, 0.1, 0.2),
            Line("B", "A", 4, 4, 0.5, 0.6),
            Line("C", "B", 8, 8, 0.6, 0.72),
        ]);

        var replay = new PopulationBasedTrainingReplay(file);

        Assert.Equal(0.5, replay.InitialConfig.Get<double>("lr"));
        Assert.Equal([(4L, 0.6), (8L, 0.72)], replay.Schedule.Select(s => (s.Step, s.Config.Get<double>("lr"))));
    }

    [Fact]
    public async Task FitAsync_Replay_SwitchesConfigAtTheLoggedSteps()
    {
        using var temp = new TempDirectory();
        string file = Path.Combine(temp.Path, "pbt_policy_x.txt");
        File.WriteAllLines(file, [Line("B", "A", 3, 3, 0.5, 0.6), Line("C", "B", 6, 6, 0.6, 0.72)]);
        var replay = new PopulationBasedTrainingReplay(file);

        var tuner = new Tuner(async trial =>
        {
            int step = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "s")))) ?? 0;
            while (step < 9)
            {
                int s = ++step;
                await trial.ReportAsync(new Metrics { ["lr"] = trial.Config.Get<double>("lr"), ["step"] = s },
                    Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "s"), s.ToString())));
            }
        }, new SearchSpace { ["lr"] = Tune.Uniform(0, 1) }, // the experiment's own space: replay overwrites its draw, as Ray's
        new TuneConfig { Scheduler = replay }, new RunConfig { StoragePath = temp.Path, Name = "replay", Verbose = 0 });

        var grid = await tuner.FitAsync();

        var history = grid.Single().ReadHistory();
        var lrByStep = history.GroupBy(h => (long)h["step"]!).ToDictionary(g => g.Key, g => Convert.ToDouble(g.Last()["lr"]));
        Assert.Equal(0.5, lrByStep[1]);
        Assert.Equal(0.5, lrByStep[3]);
        Assert.Equal(0.6, lrByStep[4]);
        Assert.Equal(0.72, lrByStep[9]);
    }

    [Fact]
    public void Constructor_MissingFile_SaysWhatToPass()
    {
        var e = Assert.Throws<TuneException>(() => new PopulationBasedTrainingReplay("/nonexistent/pbt_policy_1.txt"));
        Assert.Contains("does not exist", e.Message);
    }
}
