namespace TuneSharp.Torch;

/// <summary>
/// FashionMNIST as raw bytes, shared by every caller in the process (hence read-only):
/// images are row-major 28×28 pixels from 0 to 255, one after another; labels are 0 to 9
/// (see <see cref="FashionMnist.ClassNames"/>).
/// </summary>
public sealed class FashionMnistArrays
{
    internal FashionMnistArrays(byte[] trainImages, byte[] trainLabels, byte[] testImages, byte[] testLabels, string folder)
    {
        if (trainImages.Length != trainLabels.Length * FashionMnist.Pixels || testImages.Length != testLabels.Length * FashionMnist.Pixels)
            throw new InvalidDataException($"FashionMNIST files in {folder}: image and label counts differ.");
        TrainImages = trainImages;
        TrainLabels = trainLabels;
        TestImages = testImages;
        TestLabels = testLabels;
        Folder = folder;
    }

    /// <summary>Training images, <see cref="TrainCount"/> × 784 bytes.</summary>
    public ReadOnlyMemory<byte> TrainImages { get; }

    /// <summary>Training labels, one byte per image.</summary>
    public ReadOnlyMemory<byte> TrainLabels { get; }

    /// <summary>Test images, <see cref="TestCount"/> × 784 bytes.</summary>
    public ReadOnlyMemory<byte> TestImages { get; }

    /// <summary>Test labels, one byte per image.</summary>
    public ReadOnlyMemory<byte> TestLabels { get; }

    /// <summary>Number of training images (60,000 for the full set).</summary>
    public int TrainCount => TrainLabels.Length;

    /// <summary>Number of test images (10,000 for the full set).</summary>
    public int TestCount => TestLabels.Length;

    /// <summary>The folder the IDX files were read from.</summary>
    public string Folder { get; }
}
