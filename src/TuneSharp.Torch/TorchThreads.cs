using static TorchSharp.torch;

namespace TuneSharp.Torch;

/// <summary>
/// Gives a trial exactly as many compute threads as it has CPUs. On a 2-core machine, two OpenMP
/// threads per trial with two trials running were measured 5 to 40 times slower than one thread
/// each: spinning OpenMP workers steal the core the other trial needs.
/// </summary>
public static class TorchThreads
{
    /// <summary>
    /// Sets the process environment that OpenMP reads once, when libtorch loads:
    /// <c>OMP_WAIT_POLICY=PASSIVE</c> (idle workers sleep instead of spinning) and
    /// <c>OMP_NUM_THREADS</c>. Values the user already set are kept. Touches no <c>torch.*</c> member,
    /// so it can run before TorchSharp's natives load; afterwards it has no effect.
    /// </summary>
    /// <param name="cpus">Threads per trial, at least 1.</param>
    public static void ConfigureEnvironment(int cpus)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        NativeEnvironment.Set("OMP_WAIT_POLICY", "PASSIVE", overwrite: false);
        NativeEnvironment.Set("OMP_NUM_THREADS", cpus.ToString(System.Globalization.CultureInfo.InvariantCulture), overwrite: false);
    }

    /// <summary>
    /// Prepares TorchSharp for a trial with <paramref name="cpus"/> CPUs: runs
    /// <see cref="LibTorchCompatibility.EnsureLoadable()"/> and <see cref="ConfigureEnvironment"/>
    /// (both only matter before the natives load), then calls <c>torch.set_num_threads</c>.
    /// </summary>
    /// <remarks>
    /// libtorch keeps the thread count per OS thread (OpenMP's nthreads-var), and at a thread's first parallel op
    /// (or first query of the count) sets it to the last value set by any thread. So this first lets libtorch set
    /// up this thread, then sets the count: otherwise a concurrent trial's later call would decide this thread's
    /// count. Call it on the thread that trains, at the start of each trial; it is cheap.
    /// </remarks>
    /// <param name="cpus">Threads per trial, at least 1.</param>
    /// <returns>What the native compatibility check found or did.</returns>
    public static LibTorchCompatibilityReport Configure(int cpus)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        var report = LibTorchCompatibility.EnsureLoadable();
        ConfigureEnvironment(cpus);
        _ = get_num_threads(); // libtorch's once-per-thread setup, now rather than at the first op
        set_num_threads(cpus);
        return report;
    }
}
