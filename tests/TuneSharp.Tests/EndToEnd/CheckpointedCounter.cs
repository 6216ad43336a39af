namespace TuneSharp.Tests.EndToEnd;

/// <summary>The crash-window tests' trainable: counts to a limit, a checkpoint with every result holding the step, so a
/// resumed run continues where its checkpoint is.</summary>
internal static class CheckpointedCounter
{
    public static async Task Run(TrialContext trial, int limit)
    {
        long step = trial.GetCheckpoint()?.Read(dir => long.Parse(File.ReadAllText(Path.Combine(dir, "step.txt")))) ?? 0;
        while (step < limit)
        {
            step++;
            long s = step;
            await trial.ReportAsync(new Metrics { ["score"] = trial.Config.Get<double>("x") + s, ["step"] = s },
                Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, "step.txt"), s.ToString())));
        }
    }
}
