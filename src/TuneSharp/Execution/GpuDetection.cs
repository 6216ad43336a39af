namespace TuneSharp.Execution;

/// <summary>
/// How many GPUs this process may use, for the default <see cref="TuneConfig.AvailableResources"/> (Ray detects GPUs
/// too). Written by hand: .NET has no GPU query, and the core library must not depend on CUDA.
/// </summary>
internal static class GpuDetection
{
    /// <summary>
    /// <c>CUDA_VISIBLE_DEVICES</c> when set (its entries, as Ray counts them: an empty value or <c>NoDevFiles</c> means none), else the NVIDIA
    /// device files <c>/dev/nvidia0</c>, <c>/dev/nvidia1</c>, … (a container sees only the GPUs given to it), else 0.
    /// </summary>
    public static int Count(string? cudaVisibleDevices, string deviceFolder)
    {
        if (cudaVisibleDevices == "NoDevFiles") // as Ray reads it: set so by batch systems for "no GPU allocated"
            return 0;
        if (cudaVisibleDevices is not null)
            return cudaVisibleDevices.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length;
        try
        {
            return Directory.Exists(deviceFolder)
                ? Directory.EnumerateFiles(deviceFolder, "nvidia*").Count(f => Path.GetFileName(f)[6..] is { Length: > 0 } n && n.All(char.IsAsciiDigit))
                : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The GPUs of this machine and process.</summary>
    public static int Count() => Count(Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES"), "/dev");
}
