using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneSharp.Torch;

/// <summary>Creates SGD optimisers and changes their hyperparameters in place (needed by population-based training).</summary>
public static class Sgd
{
    /// <summary>The seed's <c>torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)</c>.</summary>
    /// <param name="model">The network whose parameters are optimised.</param>
    /// <param name="learningRate">Learning rate, greater than 0.</param>
    /// <param name="momentum">Momentum factor, at least 0.</param>
    /// <returns>A new optimiser.</returns>
    public static SGD Create(nn.Module model, double learningRate, double momentum = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        Validate(learningRate, momentum);
        return optim.SGD(model.parameters(), learningRate, momentum);
    }

    /// <summary>
    /// Sets the learning rate and/or momentum of every parameter group of an existing optimiser, keeping
    /// its state (momentum buffers): what PBT does after restoring a checkpoint with mutated
    /// hyperparameters (<c>param_group["lr"] = ...</c> in PyTorch).
    /// </summary>
    /// <param name="optimizer">The optimiser; momentum needs one with momentum (SGD, RMSprop).</param>
    /// <param name="learningRate">New learning rate, or null to keep it.</param>
    /// <param name="momentum">New momentum, or null to keep it.</param>
    /// <exception cref="ArgumentException">Momentum was given for an optimiser without momentum.</exception>
    public static void SetHyperparameters(optim.Optimizer optimizer, double? learningRate = null, double? momentum = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Validate(learningRate ?? 1, momentum ?? 0);
        if (momentum is not null && optimizer is not optim.IMomentum)
            throw new ArgumentException($"{optimizer.GetType().Name} has no momentum.", nameof(momentum));

        if (momentum is { } m)
            ((optim.IMomentum)optimizer).Momentum = m; // the defaults, used by groups added later
        foreach (var group in optimizer.ParamGroups)
        {
            if (learningRate is { } lr)
                group.LearningRate = lr;
            if (momentum is { } m2 && group is optim.IMomentum withMomentum)
                withMomentum.Momentum = m2;
        }
    }

    /// <summary>Reads the learning rate and momentum of the first parameter group.</summary>
    /// <param name="optimizer">The optimiser.</param>
    /// <returns>The learning rate, and the momentum (null for an optimiser without momentum).</returns>
    public static (double LearningRate, double? Momentum) GetHyperparameters(optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var group = optimizer.ParamGroups.First();
        return (group.LearningRate, (group as optim.IMomentum)?.Momentum);
    }

    private static void Validate(double learningRate, double momentum)
    {
        if (!(learningRate > 0) || double.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a positive finite number.");
        if (!(momentum >= 0) || double.IsInfinity(momentum))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be a finite number of at least 0.");
    }
}
