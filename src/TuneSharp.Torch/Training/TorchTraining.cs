using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace TuneSharp.Torch;

/// <summary>
/// The seed's <c>train_func</c> and <c>test_func</c> for in-memory tensors: mini-batch training with
/// cross-entropy loss, and accuracy. Every batch runs in its own dispose scope, so native memory
/// stays flat however many epochs and trials run.
/// </summary>
public static class TorchTraining
{
    /// <summary>
    /// Trains <paramref name="model"/> for one pass over the data, in mini-batches in random order
    /// (the seed's <c>DataLoader(..., batch_size=128, shuffle=True)</c>).
    /// </summary>
    /// <param name="model">A network mapping a batch of inputs to class logits.</param>
    /// <param name="optimizer">The optimiser over the model's parameters.</param>
    /// <param name="inputs">Inputs, the first dimension indexes samples (e.g. images [N, 1, 28, 28]).</param>
    /// <param name="labels">Class indices, int64 [N].</param>
    /// <param name="batchSize">Samples per optimiser step; the last batch may be smaller, and is left out when it holds
    /// a single sample (see the code).</param>
    /// <param name="seed">Seed of this epoch's order (pass e.g. trial seed + epoch); null draws one at random.</param>
    /// <param name="shuffle">False keeps the data order, for tests.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <param name="device">Where each batch is moved before the model sees it (the seed's <c>data.to(device)</c>), e.g.
    /// <see cref="TorchDevices.ForTrial"/>; null leaves batches where the data is. The model must already be there.</param>
    /// <returns>The mean training loss over the samples trained on.</returns>
    public static double TrainOneEpoch(
        Module<Tensor, Tensor> model, optim.Optimizer optimizer, Tensor inputs, Tensor labels,
        int batchSize = 128, int? seed = null, bool shuffle = true, CancellationToken cancellationToken = default, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        long n = CheckData(inputs, labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);

        long[] order = new long[n];
        for (long i = 0; i < n; i++) order[i] = i;
        if (shuffle)
            (seed is { } s ? new Random(s) : Random.Shared).Shuffle(order);

        model.train();
        double lossSum = 0;
        long trained = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            int count = (int)Math.Min(batchSize, n - start);
            // A last batch of one sample is left out: batch norm over one value per channel makes its running variance
            // NaN (PyTorch refuses such a batch; TorchSharp does not check), and every later evaluation NaN with it.
            if (count == 1 && batchSize > 1)
                break;
            trained += count;
            var index = tensor(order.AsSpan((int)start, count).ToArray());
            var x = ToDevice(inputs.index_select(0, index), device);
            var y = ToDevice(labels.index_select(0, index), device);
            optimizer.zero_grad();
            var loss = functional.cross_entropy(model.call(x), y);
            loss.backward();
            optimizer.step();
            lossSum += loss.item<float>() * count;
        }
        return trained == 0 ? double.NaN : lossSum / trained;
    }

    /// <summary>The fraction of samples whose highest logit is the true class (the seed's <c>test_func</c>).</summary>
    /// <param name="model">The network; it is put in evaluation mode.</param>
    /// <param name="inputs">Inputs, the first dimension indexes samples.</param>
    /// <param name="labels">Class indices, int64 [N].</param>
    /// <param name="batchSize">Samples per forward pass; only bounds memory.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <param name="device">Where each batch is moved before the model sees it; null leaves batches where the data is.</param>
    /// <returns>Accuracy in [0, 1].</returns>
    public static double Evaluate(Module<Tensor, Tensor> model, Tensor inputs, Tensor labels, int batchSize = 128,
        CancellationToken cancellationToken = default, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        long n = CheckData(inputs, labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (n == 0)
            return double.NaN;

        model.eval();
        using var noGrad = no_grad();
        long correct = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            long end = Math.Min(start + batchSize, n);
            var predicted = model.call(ToDevice(inputs[TensorIndex.Slice(start, end)], device)).argmax(1);
            correct += predicted.eq(ToDevice(labels[TensorIndex.Slice(start, end)], device)).sum().item<long>();
        }
        return (double)correct / n;
    }

    // The data stays where it is (one copy on the CPU, shared by every trial); only the batch moves.
    private static Tensor ToDevice(Tensor batch, Device? device) => device is null ? batch : batch.to(device);

    private static long CheckData(Tensor inputs, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.dim() != 1 || inputs.dim() < 1 || inputs.shape[0] != labels.shape[0])
            throw new ArgumentException($"Expected inputs [N, ...] and labels [N]; got [{string.Join(", ", inputs.shape)}] and [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"Labels must be int64, got {labels.dtype}.", nameof(labels));
        return labels.shape[0];
    }
}
