using TorchSharp;
using static TorchSharp.torch;

namespace TuneSharp.Torch;

/// <summary>
/// The device a trial trains on: the seed's <c>torch.device("cuda" if torch.cuda.is_available() else "cpu")</c>, made
/// right for trials that share one process. Ray gives each trial's worker its own <c>CUDA_VISIBLE_DEVICES</c>, so
/// "cuda" there is the trial's GPU; here every trial sees every GPU, and "cuda" would put them all on the first.
/// </summary>
public static class TorchDevices
{
    /// <summary>The first GPU the trial holds (<see cref="TrialContext.GpuIds"/>) when CUDA is available, else the CPU
    /// (a trial that asked for no GPU, or a CPU-only libtorch such as <c>libtorch-cpu-linux-x64</c>).</summary>
    /// <param name="trial">The running trial.</param>
    /// <returns>The device to move the model and each batch to.</returns>
    public static Device ForTrial(TrialContext trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        return ForGpus(trial.GpuIds, cuda.is_available());
    }

    /// <summary><c>cuda:N</c> for the first of <paramref name="gpuIds"/> when <paramref name="cudaAvailable"/>, else the CPU.</summary>
    /// <param name="gpuIds">The GPUs held, by index among the devices the process sees.</param>
    /// <param name="cudaAvailable">Whether libtorch can use CUDA.</param>
    /// <returns>The device.</returns>
    public static Device ForGpus(IReadOnlyList<int> gpuIds, bool cudaAvailable)
    {
        ArgumentNullException.ThrowIfNull(gpuIds);
        return gpuIds.Count > 0 && cudaAvailable ? new Device(DeviceType.CUDA, gpuIds[0]) : CPU;
    }
}
