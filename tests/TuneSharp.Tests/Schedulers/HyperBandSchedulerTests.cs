using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp.Tests.Schedulers;

public class HyperBandSchedulerTests
{
    private static TrialInfo Info(string id) =>
        new(id, "t_" + id, 0, Config.Empty, TrialStatus.Running, 0, null, null, "", new Resources());

    private static Dictionary<string, object?> Result(double t, double value) =>
        new() { ["training_iteration"] = t, ["acc"] = value };

    [Fact]
    public void BracketSizes_R81Eta3_AreThoseOfTheHyperBandPaper()
    {
        var scheduler = new HyperBandScheduler { Metric = "acc", Mode = Mode.Max, MaxT = 81, ReductionFactor = 3 };
        scheduler.Setup(null, null, 0);

        Assert.Equal(5, scheduler.BracketsPerBand);
        // Li et al. 2017, Table 1 (R = 81, η = 3): n = 81, 34, 15, 8, 5 for s = 4..0; r = 1, 3, 9, 27, 81.
        Assert.Equal([5, 8, 15, 34, 81], Enumerable.Range(0, 5).Select(scheduler.BracketSize));
        Assert.Equal([81, 27, 9, 3, 1], Enumerable.Range(0, 5).Select(scheduler.BracketStart));
    }

    [Fact]
    public void OnTrialAdd_FillsBracketsFromSZeroUpwards()
    {
        var scheduler = new HyperBandScheduler { Metric = "acc", Mode = Mode.Max, MaxT = 81, ReductionFactor = 3 };
        scheduler.Setup(null, null, 0);
        for (int i = 0; i < 5 + 8 + 1; i++)
            scheduler.OnTrialAdd(Info($"{i}"));

        var band = scheduler.Bands[0];
        Assert.Equal([5, 8, 1], band.Select(b => b.LiveTrials.Count));
        Assert.Equal([81.0, 27, 9], band.Select(b => b.Milestone));
    }

    [Fact]
    public void Halve_FractionalEta_CutsMilestonesToWholeUnitsAsRay()
    {
        // Ray's int(min(r·η, max_t)) with MaxT 81, η 2.5, s = 4: r0 = int(81/2.5^4) = 2, then 5, 12, 30, 75.
        var bracket = new HyperBandBracket(maxTrials: 1, initialT: 2, maxT: 81, eta: 2.5, s: 4, stopLastTrials: true);
        bracket.Add("a");
        var milestones = new List<double> { bracket.Milestone };
        for (int i = 0; i < 4; i++)
        {
            bracket.Halve();
            milestones.Add(bracket.Milestone);
        }

        Assert.Equal([2.0, 5, 12, 30, 75], milestones);
    }

    [Fact]
    public void Halve_EqualScores_KeepsTheLaterTrialAsRay()
    {
        // Ray sorts worst first (stably) and keeps the last ⌈n/η⌉, so of equal trials the later-added one stays.
        var bracket = new HyperBandBracket(maxTrials: 3, initialT: 1, maxT: 9, eta: 3, s: 2, stopLastTrials: true);
        foreach (string id in new[] { "a", "b", "c" })
        {
            bracket.Add(id);
            bracket.Update(id, 1, 0.5);
        }

        var (good, bad) = bracket.Halve();

        Assert.Equal(["c"], good);
        Assert.Equal(["a", "b"], bad);
    }

    [Fact]
    public void Halve_EqualScoresAfterATrialLeft_StillKeepsTheLaterAddedTrial()
    {
        // A trial that leaves frees its slot in the bracket's table; the one added next must still count as later.
        var bracket = new HyperBandBracket(maxTrials: 3, initialT: 1, maxT: 9, eta: 3, s: 2, stopLastTrials: true);
        bracket.Add("a");
        bracket.Add("b");
        bracket.Remove("a");
        bracket.Add("c");
        bracket.Update("b", 1, 0.5);
        bracket.Update("c", 1, 0.5);

        Assert.Equal(["c"], bracket.Halve().Good);
    }

    [Fact]
    public void OnTrialResult_RoundDone_PausesUntilAllReachMilestoneThenKeepsBestThird()
    {
        // MaxT 9, η 3: s_max+1 = 3; bracket 0 holds 3 trials run to 9 (no halving).
        // Fill bracket 0 with placeholders, then bracket 1 (s = 1): ⌈3/2·3⌉ = 5 trials from r = 3.
        var scheduler = new HyperBandScheduler { Metric = "acc", Mode = Mode.Max, MaxT = 9, ReductionFactor = 3 };
        scheduler.Setup(null, null, 0);
        foreach (string id in new[] { "p0", "p1", "p2", "a", "b", "c", "d", "e" })
            scheduler.OnTrialAdd(Info(id));

        // Every trial but the last reaching r = 3 is paused.
        Assert.Equal(TrialAction.Pause, scheduler.OnTrialResult(Info("a"), Result(3, 0.5)).Action);
        Assert.Equal(TrialAction.Pause, scheduler.OnTrialResult(Info("b"), Result(3, 0.9)).Action);
        Assert.Equal(TrialAction.Pause, scheduler.OnTrialResult(Info("c"), Result(3, 0.1)).Action);
        Assert.Equal(TrialAction.Pause, scheduler.OnTrialResult(Info("d"), Result(3, 0.3)).Action);
        // Below the milestone: continue.
        Assert.Equal(TrialAction.Continue, scheduler.OnTrialResult(Info("e"), Result(2, 0.2)).Action);
        // The last one completes the round: keep ⌈5/3⌉ = 2 (b and e? e has 0.95), stop the rest.
        var decision = scheduler.OnTrialResult(Info("e"), Result(3, 0.95));

        Assert.Equal(TrialAction.Continue, decision.Action);
        Assert.Equal(["a", "c", "d"], scheduler.TakeDecisions().Where(d => d.Value.Action == TrialAction.Stop).Select(d => d.Key).Order());
        Assert.Empty(scheduler.TakeDecisions());
        // b was paused and is now allowed to run again.
        var waiting = new[] { Info("b") with { Status = TrialStatus.Paused } };
        Assert.Equal("b", scheduler.ChooseTrialToRun(waiting)?.TrialId);
    }

    [Fact]
    public async Task FitAsync_HyperBand_PausesAndResumesFromCheckpointsWithoutRetraining()
    {
        using var temp = new TempDirectory();
        var starts = new System.Collections.Concurrent.ConcurrentBag<(string Trial, int From)>();
        var tuner = new Tuner(async trial =>
        {
            // Resume from the checkpoint: the step it reached is restored, never retrained.
            int step = trial.GetCheckpoint()?.Read(d => int.Parse(File.ReadAllText(Path.Combine(d, "step")))) ?? 0;
            starts.Add((trial.TrialId, step));
            double quality = trial.Config.Get<double>("q");
            while (step < 9)
            {
                step++;
                int s = step;
                await trial.ReportAsync(new Metrics { ["acc"] = quality * s, ["step"] = s },
                    Checkpoint.FromDirectory(d => File.WriteAllText(Path.Combine(d, "step"), s.ToString())));
            }
        }, new SearchSpace { ["q"] = Tune.Uniform(0, 1) },
        new TuneConfig
        {
            NumSamples = 8, Seed = 4,
            Scheduler = new HyperBandScheduler { Metric = "acc", Mode = Mode.Max, MaxT = 9, ReductionFactor = 3 },
        },
        new RunConfig { StoragePath = temp.Path, Name = "hb", Verbose = 0 });

        var grid = await tuner.FitAsync();

        Assert.Equal(8, grid.Count);
        Assert.All(grid, r => Assert.Equal(TrialStatus.Terminated, r.Status));
        // Bracket 1 (5 trials from r = 3): the two best reach 9, the three others stop at 3.
        var bracket1 = grid.Skip(3).ToList();
        Assert.Equal([3L, 3, 3, 9, 9], bracket1.Select(r => (long)r.Metrics["training_iteration"]!).Order());
        foreach (var result in grid)
        {
            // The step counter and training_iteration agree: every resumed run continued where it paused.
            var history = result.ReadHistory();
            Assert.Equal(history.Select(h => (long)h["step"]!), history.Select(h => (long)h["training_iteration"]!));
            Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(h => (long)h["step"]!));
        }
        Assert.Contains(starts, s => s.From == 3); // some trials really were resumed from a paused checkpoint
    }
}
