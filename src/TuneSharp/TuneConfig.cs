using TuneSharp.Schedulers;
using TuneSharp.Search;

namespace TuneSharp;

/// <summary>How to search (Ray Tune's <c>tune.TuneConfig</c>); validated when <see cref="Tuner.FitAsync"/> starts.</summary>
public sealed class TuneConfig
{
    /// <summary>The metric to optimise, shared by the searcher, the scheduler and the results; a searcher's or scheduler's
    /// own <c>Metric</c> (and <c>Mode</c>) must match it, or be set where this is not.
    /// <value>The default value is null.</value></summary>
    public string? Metric { get; init; }

    /// <summary>Whether to minimise or maximise <see cref="Metric"/>. <value>The default value is null.</value></summary>
    public Mode? Mode { get; init; }

    /// <summary>How many times to sample the search space (each grid combination counts once per sample);
    /// -1 runs until a stopper or <see cref="TimeBudget"/> ends the experiment. <value>The default value is 1.</value></summary>
    public int NumSamples { get; init; } = 1;

    /// <summary>The search algorithm. <value>The default is a <see cref="BasicVariantGenerator"/> (random and grid search).</value></summary>
    public ISearcher? SearchAlg { get; init; }

    /// <summary>The trial scheduler. <value>The default is a <see cref="FifoScheduler"/>.</value></summary>
    public ITrialScheduler? Scheduler { get; init; }

    /// <summary>At most this many trials run at once; 0 lets the resources decide. <value>The default value is 0.</value></summary>
    public int MaxConcurrentTrials { get; init; }

    /// <summary>Wall-clock limit of the experiment (Ray's <c>time_budget_s</c>); running trials are stopped at it.
    /// <value>The default value is null (no limit).</value></summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Names a trial from its info (Ray's <c>trial_name_creator</c>). <value>The default is <c>&lt;trainable&gt;_&lt;trial id&gt;</c>.</value></summary>
    public Func<TrialInfo, string>? TrialNameCreator { get; init; }

    /// <summary>Names a trial's folder (Ray's <c>trial_dirname_creator</c>); the result is sanitised.
    /// <value>The default is Ray's <c>&lt;name&gt;_&lt;index&gt;_&lt;params&gt;_&lt;date&gt;</c>.</value></summary>
    public Func<TrialInfo, string>? TrialDirnameCreator { get; init; }

    /// <summary>Seed for the default searcher, the schedulers' randomness and <see cref="TrialContext.Seed"/>.
    /// <value>The default value is null (random).</value></summary>
    public int? Seed { get; init; }

    /// <summary>The logical resources trials share (Ray's cluster resources).
    /// <value>The default is <see cref="Environment.ProcessorCount"/> CPUs and the GPUs the process may use:
    /// <c>CUDA_VISIBLE_DEVICES</c>'s when set, else one per NVIDIA device file (<c>/dev/nvidia0</c>, …).</value></summary>
    public Resources? AvailableResources { get; init; }

    /// <summary>How many created, not yet started trials to keep queued (Ray's <c>TUNE_MAX_PENDING_TRIALS_PG</c>).
    /// <value>The default value is null: max(200, 1.1 × CPUs) for random and grid search; other searchers are
    /// asked only when a trial can start at once.</value></summary>
    public int? MaxPendingTrials { get; init; }

    /// <summary>Class trainables only: keep a trainable whose trial ended and give it the next trial through
    /// <see cref="Trainable.ResetConfig"/> instead of building a new one (Ray's <c>reuse_actors</c>); when
    /// ResetConfig returns false, a fresh instance is built. <value>The default value is false.</value></summary>
    public bool ReuseActors { get; init; }

    internal void Validate()
    {
        if (NumSamples == 0 || NumSamples < -1)
            throw new TuneException($"TuneConfig.NumSamples is {NumSamples}; use a positive number of samples, or -1 to sample until stopped.");
        if (MaxConcurrentTrials < 0)
            throw new TuneException($"TuneConfig.MaxConcurrentTrials is {MaxConcurrentTrials}; use 0 (no limit) or a positive number.");
        if (MaxPendingTrials is < 1)
            throw new TuneException($"TuneConfig.MaxPendingTrials is {MaxPendingTrials}; use 1 or more, or null for the default.");
        if (TimeBudget is { } budget && budget <= TimeSpan.Zero)
            throw new TuneException($"TuneConfig.TimeBudget is {budget}; use a positive duration or null.");
        if (Metric is not null && Mode is null)
            throw new TuneException($"TuneConfig.Metric is '{Metric}' but Mode is not set; set Mode = Mode.Min or Mode.Max.");
        if (Mode is not null && Metric is null)
            throw new TuneException($"TuneConfig.Mode is {Mode} but Metric is not set; name the metric to optimise.");
        if (AvailableResources is { Gpu: var gpus } && gpus > 0 && gpus != Math.Floor(gpus))
            throw new TuneException($"TuneConfig.AvailableResources.Gpu is {gpus}; give the number of GPUs the machine has (a whole number): trials ask for shares of them.");
        AvailableResources?.Validate("TuneConfig.AvailableResources");
    }
}
