using TorchSharp;
using static TorchSharp.torch;

namespace TuneSharp.Torch.Tests;

public sealed class ModelTests
{
    public ModelTests() => TorchTestSetup.Init();

    [Fact]
    public void Create_Small_MapsImagesToTenLogits()
    {
        using var model = FashionMnistModels.Create("small");
        using var x = randn(4, 1, 28, 28);

        using var y = model.call(x);

        Assert.IsType<SmallCnn>(model);
        Assert.Equal(new long[] { 4, 10 }, y.shape);
    }

    [Fact]
    public void Create_ResNet18_ReplacesConv1InFieldAndChildList()
    {
        using var model = FashionMnistModels.Create("ResNet18");

        var state = model.state_dict();
        Assert.Equal(new long[] { 64, 1, 7, 7 }, state["conv1.weight"].shape);
        Assert.DoesNotContain(state.Keys, k => k.StartsWith("conv1.bias", StringComparison.Ordinal));
        Assert.Equal("conv1", model.named_children().First().name); // position kept, as Python's setattr does
        var parameters = model.named_parameters().ToList();
        Assert.Equal(new long[] { 64, 1, 7, 7 }, parameters.Single(p => p.name == "conv1.weight").parameter.shape);
        Assert.DoesNotContain(parameters, p => p.parameter.shape.SequenceEqual(new long[] { 64, 3, 7, 7 }));

        // forward must use the registered conv: its weight gets a gradient.
        using var x = randn(2, 1, 28, 28);
        using var y = model.call(x);
        y.sum().backward();
        Assert.Equal(new long[] { 2, 10 }, y.shape);
        Assert.NotNull(parameters.Single(p => p.name == "conv1.weight").parameter.grad);
    }

    [Fact]
    public void Create_UnknownName_ThrowsWithKnownNames()
    {
        var e = Assert.Throws<ArgumentException>(() => FashionMnistModels.Create("vgg16"));

        Assert.Contains("vgg16", e.Message);
        Assert.Contains("small", e.Message);
        Assert.Contains("resnet18", e.Message);
    }
}
