namespace TuneSharp.Schedulers;

/// <summary>
/// Ray Tune's <c>DistributeResources</c>, the default allocation of <see cref="ResourceChangingScheduler"/>: the
/// resources no live trial needs are shared out in whole units (<see cref="IncreaseBy"/>, by default one CPU, or
/// one GPU for trials that use GPUs) so that all are used and no trial gets more than an even share. A trial never
/// drops below what it started with, and gives back units when others need them.
/// </summary>
/// <remarks>
/// Ray's option <c>add_bundles</c> has no counterpart: a trial here holds one amount of each resource, not a list of
/// placement-group bundles.
/// </remarks>
public sealed class DistributeResources
{
    /// <summary>The unit a trial grows or shrinks by; null for one GPU when the trial started with GPUs, else one CPU.
    /// <value>The default value is null.</value></summary>
    public Resources? IncreaseBy { get; init; }

    /// <summary>At most this many units are added to a trial; 0 or less for no limit. <value>The default value is -1.</value></summary>
    public int IncreaseByTimes { get; init; } = -1;

    /// <summary>Resources kept out of the sharing (e.g. for the driver's own work). <value>The default is none.</value></summary>
    public Resources? ReserveResources { get; init; }

    /// <summary>The resources <paramref name="trial"/> should have now, given those it started with
    /// (<paramref name="initial"/>); null to leave them as they are.</summary>
    public Resources? Allocate(TrialInfo trial, IExperimentView view, Resources initial)
    {
        if (trial.Iteration < 1)
            return null;
        var (unitCpu, unitGpu) = IncreaseBy is { } by ? (by.Cpu, by.Gpu) : initial.Gpu > 0 ? (0.0, 1.0) : (1.0, 0.0);
        if (!(unitCpu >= 0 && unitGpu >= 0 && unitCpu + unitGpu > 0))
            throw new TuneException($"DistributeResources.IncreaseBy is {IncreaseBy}; give a positive number of CPUs or GPUs.");
        double totalCpu = view.Capacity.Cpu - (ReserveResources?.Cpu ?? 0);
        double totalGpu = view.Capacity.Gpu - (ReserveResources?.Gpu ?? 0);
        int live = Math.Max(1, view.RunningCount + view.WaitingCount);

        // Ray deals the excess over every live trial's starting amount out one unit at a time, round-robin, and lets
        // no trial grow past what the first one received: ⌈units / trials⌉, within IncreaseByTimes.
        double excessCpu = totalCpu - initial.Cpu * live, excessGpu = totalGpu - initial.Gpu * live;
        long excessUnits = excessCpu >= unitCpu && excessGpu >= unitGpu ? Units(excessCpu, excessGpu, unitCpu, unitGpu) : 0;
        long cap = excessUnits <= 0 ? 0 : (excessUnits + live - 1) / live; // 0: no cap, as Ray when nothing is dealt out
        if (IncreaseByTimes > 0)
            cap = cap > 0 ? Math.Min(cap, IncreaseByTimes) : IncreaseByTimes;

        // Then this trial takes what is free now (or gives back what is missing), up to that cap.
        Resources used = view.LiveTrialResources;
        long change = Units(totalCpu - used.Cpu, totalGpu - used.Gpu, unitCpu, unitGpu);
        double addedCpu = Math.Max(0, trial.Resources.Cpu - initial.Cpu);
        double addedGpu = Math.Max(0, trial.Resources.Gpu - initial.Gpu);
        if (change < 0)
        {
            addedCpu = Math.Max(0, addedCpu + unitCpu * change);
            addedGpu = Math.Max(0, addedGpu + unitGpu * change);
        }
        else if (change > 0)
        {
            addedCpu += unitCpu * change;
            addedGpu += unitGpu * change;
            if (cap > 0)
            {
                addedCpu = Math.Min(addedCpu, unitCpu * cap);
                addedGpu = Math.Min(addedGpu, unitGpu * cap);
            }
        }
        return trial.Resources with { Cpu = initial.Cpu + addedCpu, Gpu = Placeable(initial.Gpu + addedGpu) };
    }

    /// <summary>More than one GPU must be whole GPUs (<see cref="Resources.Validate"/>): a trial that started with a
    /// fraction and grows by whole GPUs (0.5 + 1) gets the whole GPUs within that amount, never more than is free.</summary>
    private static double Placeable(double gpu) => gpu > 1 ? Math.Floor(gpu + 1e-9) : gpu;

    /// <summary>How many whole units fit in the amounts (negative when they fall short), as Python's floor division.</summary>
    private static long Units(double cpu, double gpu, double unitCpu, double unitGpu)
    {
        if (unitCpu > 0 && unitGpu > 0)
            return (long)Math.Min(Math.Floor(cpu / unitCpu), Math.Floor(gpu / unitGpu));
        return (long)(unitGpu > 0 ? Math.Floor(gpu / unitGpu) : Math.Floor(cpu / unitCpu));
    }
}
