using static TorchSharp.torch;

namespace TuneSharp.Torch.Tests;

internal static class TensorAssert
{
    /// <summary>Same shape and bit-for-bit equal elements (TorchSharp's Tensor.equal is element-wise, not torch.equal).</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var eq = a.eq(b);
        using var all = eq.all();
        return all.item<bool>();
    }
}
