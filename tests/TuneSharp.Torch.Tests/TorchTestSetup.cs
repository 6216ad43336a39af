namespace TuneSharp.Torch.Tests;

/// <summary>
/// Every test class that touches torch.* calls <see cref="Init"/> from its constructor, so the
/// native patch and the thread settings always come before TorchSharp loads its natives,
/// whichever class xunit happens to run first.
/// </summary>
internal static class TorchTestSetup
{
    public static void Init() => TorchThreads.Configure(1);
}
