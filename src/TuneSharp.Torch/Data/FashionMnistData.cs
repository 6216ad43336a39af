using static TorchSharp.torch;

namespace TuneSharp.Torch;

/// <summary>
/// FashionMNIST (or a subset of it) as tensors, owned by the caller: dispose it when the trial ends.
/// Images are float32 of shape [N, 1, 28, 28], normalised as the seed's
/// <c>Normalize((0.5,), (0.5,))</c> after <c>ToTensor()</c>: (x / 255 - 0.5) / 0.5, so in [-1, 1].
/// Labels are int64 of shape [N].
/// </summary>
public sealed class FashionMnistData : IDisposable
{
    internal FashionMnistData(Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels)
    {
        TrainImages = trainImages;
        TrainLabels = trainLabels;
        TestImages = testImages;
        TestLabels = testLabels;
    }

    /// <summary>Training images, float32 [N, 1, 28, 28].</summary>
    public Tensor TrainImages { get; }

    /// <summary>Training labels, int64 [N].</summary>
    public Tensor TrainLabels { get; }

    /// <summary>Test images, float32 [M, 1, 28, 28].</summary>
    public Tensor TestImages { get; }

    /// <summary>Test labels, int64 [M].</summary>
    public Tensor TestLabels { get; }

    /// <summary>Number of training images.</summary>
    public int TrainCount => (int)TrainLabels.shape[0];

    /// <summary>Number of test images.</summary>
    public int TestCount => (int)TestLabels.shape[0];

    /// <summary>Frees the four tensors.</summary>
    public void Dispose()
    {
        TrainImages.Dispose();
        TrainLabels.Dispose();
        TestImages.Dispose();
        TestLabels.Dispose();
    }
}
