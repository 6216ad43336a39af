using System.Collections.Concurrent;
using System.Globalization;

namespace TuneSharp.Bench.Schedulers;

/// <summary>
/// The benchmark's function trainable: reports acc(t) for t = 1..MaxEpochs, each with a checkpoint holding t,
/// so a paused trial resumes at t + 1 instead of retraining. Every epoch it trains is written to a ledger,
/// which is how the benchmark counts cost (not from the Tuner's results, which it also checks against).
/// </summary>
internal sealed class CurveTrainable(int maxEpochs)
{
    private const string EpochFile = "epoch";
    private readonly ConcurrentDictionary<string, Epochs> _ledger = new();

    /// <summary>Per trial: epochs trained (one per report, across runs) and the last epoch reached. A trial's runs
    /// never overlap (a resumed run starts after the paused one ended), so plain fields suffice.</summary>
    public sealed class Epochs
    {
        public int Trained;
        public int Reached;
    }

    public IReadOnlyDictionary<string, Epochs> Ledger => _ledger;

    public async Task TrainAsync(TrialContext trial)
    {
        int start = trial.GetCheckpoint()?.Read(dir =>
            int.Parse(File.ReadAllText(Path.Combine(dir, EpochFile)), CultureInfo.InvariantCulture)) ?? 0;
        Epochs epochs = _ledger.GetOrAdd(trial.TrialId, _ => new Epochs());
        for (int t = start + 1; t <= maxEpochs; t++)
        {
            double acc = LearningCurves.Accuracy(trial.Config, t);
            // The epoch is trained (paid for) before it is reported, whatever the scheduler then decides.
            epochs.Trained++;
            epochs.Reached = t;
            int epoch = t;
            await trial.ReportAsync(new Metrics { ["acc"] = acc, ["epoch"] = epoch },
                Checkpoint.FromDirectory(dir => File.WriteAllText(Path.Combine(dir, EpochFile), epoch.ToString(CultureInfo.InvariantCulture))))
                .ConfigureAwait(false);
        }
    }
}
