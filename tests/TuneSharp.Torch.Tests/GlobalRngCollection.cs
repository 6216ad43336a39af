namespace TuneSharp.Torch.Tests;

/// <summary>
/// Tests that seed libtorch's global generator (<c>torch.manual_seed</c>) and expect the same numbers back. Other
/// test classes run in parallel and draw from that same generator (every new model initialises its weights from it),
/// so these run on their own, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRngCollection
{
    public const string Name = "libtorch global random generator";
}
