namespace TuneSharp;

/// <summary>
/// The class API (Ray Tune's <c>tune.Trainable</c>): one <see cref="Step"/> is one training iteration whose
/// return value is the result; TuneSharp calls <see cref="SaveCheckpoint"/> every
/// <c>CheckpointConfig.CheckpointFrequency</c> steps, at the end when <c>CheckpointAtEnd</c> is set, and
/// before a pause; <see cref="LoadCheckpoint"/> when a trial resumes.
/// </summary>
public abstract class Trainable
{
    private TrialContext? _trial;

    /// <summary>The running trial's context (config, folder, resources, seed).</summary>
    protected TrialContext Trial => _trial ?? throw new InvalidOperationException("The trial context is set before Setup is called.");

    /// <summary>The trial's current config.</summary>
    public Config Config => Trial.Config;

    internal void Attach(TrialContext trial) => _trial = trial;

    /// <summary>Prepares the trial (Ray's <c>setup(config)</c>): build the model, load data.</summary>
    public virtual void Setup(Config config) { }

    /// <summary>One training iteration (Ray's <c>step()</c>); the metrics returned are the result.
    /// Set <c>["done"] = true</c> to end the trial.</summary>
    public abstract Metrics Step();

    /// <summary>Writes the trainable's state into <paramref name="checkpointDirectory"/> (Ray's <c>save_checkpoint</c>).</summary>
    public virtual void SaveCheckpoint(string checkpointDirectory) { }

    /// <summary>Restores state written by <see cref="SaveCheckpoint"/> (Ray's <c>load_checkpoint</c>).</summary>
    public virtual void LoadCheckpoint(string checkpointDirectory) { }

    /// <summary>Takes a new config without being rebuilt (Ray's <c>reset_config</c>); return true if it did,
    /// false to have TuneSharp create a fresh instance instead. <value>The default returns false.</value></summary>
    public virtual bool ResetConfig(Config newConfig) => false;

    /// <summary>Releases what <see cref="Setup"/> acquired (Ray's <c>cleanup</c>).</summary>
    public virtual void Cleanup() { }
}
