using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneSharp.Torch.Tests;

[Collection(GlobalRngCollection.Name)]
public sealed class TorchCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tunesharp-ckpt-").FullName;

    public TorchCheckpointTests() => TorchTestSetup.Init();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SaveThenLoad_RestoresModelOptimizerStateAndExtras()
    {
        manual_seed(11);
        using var x = randn(48, 1, 28, 28);
        using var y = randint(0, 10, [48]);
        using var model = new SmallCnn();
        using var optimizer = Sgd.Create(model, learningRate: 0.03, momentum: 0.9);
        TorchTraining.TrainOneEpoch(model, optimizer, x, y, batchSize: 16, seed: 1);
        TorchCheckpoint.Save(_dir, model, optimizer, new Dictionary<string, double> { ["step"] = 7, ["odd"] = double.NaN });

        using var restored = new SmallCnn();
        using var restoredOptimizer = Sgd.Create(restored, learningRate: 0.5, momentum: 0.1);
        var extra = TorchCheckpoint.Load(_dir, restored, restoredOptimizer);

        Assert.Equal(7, extra["step"]);
        Assert.True(double.IsNaN(extra["odd"]));
        Assert.Equal((0.03, (double?)0.9), Sgd.GetHyperparameters(restoredOptimizer));
        model.eval();
        restored.eval();
        using (no_grad())
        {
            using var expected = model.call(x);
            using var actual = restored.call(x);
            Assert.True(TensorAssert.Same(expected, actual));
        }
        var buffers = MomentumBuffers(optimizer);
        var restoredBuffers = MomentumBuffers(restoredOptimizer);
        Assert.Equal(buffers.Count, restoredBuffers.Count);
        Assert.All(buffers.Zip(restoredBuffers), p => Assert.True(TensorAssert.Same(p.First, p.Second)));

        // One more identical epoch from both must give identical weights: the momentum really came back.
        TorchTraining.TrainOneEpoch(model, optimizer, x, y, batchSize: 16, seed: 2);
        TorchTraining.TrainOneEpoch(restored, restoredOptimizer, x, y, batchSize: 16, seed: 2);
        Assert.All(model.parameters().Zip(restored.parameters()), p => Assert.True(TensorAssert.Same(p.First, p.Second)));
    }

    [Fact]
    public void SaveThenLoad_ResNet18_RestoresWeightsAndBatchNormBuffers()
    {
        using var model = FashionMnistModels.CreateResNet18();
        using var x = randn(4, 1, 28, 28);
        using (model.call(x)) { } // training mode: updates the batch-norm running statistics
        TorchCheckpoint.Save(_dir, model);

        using var restored = FashionMnistModels.CreateResNet18();
        var extra = TorchCheckpoint.Load(_dir, restored);

        Assert.Empty(extra);
        Assert.False(File.Exists(Path.Combine(_dir, TorchCheckpoint.OptimizerFile)));
        var a = model.state_dict();
        var b = restored.state_dict();
        Assert.Equal(a.Keys, b.Keys);
        Assert.All(a.Keys, k => Assert.True(TensorAssert.Same(a[k], b[k]), k));
    }

    [Fact]
    public void Load_MissingFolderContent_ThrowsFileNotFound()
    {
        using var model = new SmallCnn();

        Assert.Throws<FileNotFoundException>(() => TorchCheckpoint.Load(_dir, model));
    }

    private static List<Tensor> MomentumBuffers(SGD optimizer) =>
        optimizer.state_dict().State.Cast<SGD.State>().Select(s => s.momentum_buffer).ToList();
}
