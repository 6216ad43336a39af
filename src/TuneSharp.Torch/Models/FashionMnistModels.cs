using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using Module = TorchSharp.torch.nn.Module;

namespace TuneSharp.Torch;

/// <summary>Creates the networks that the FashionMNIST examples tune, by name.</summary>
public static class FashionMnistModels
{
    /// <summary>The default: <see cref="SmallCnn"/>.</summary>
    public const string Small = "small";

    /// <summary>torchvision's ResNet18 with a one-channel stem, as in the seed.</summary>
    public const string ResNet18 = "resnet18";

    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [Small, ResNet18];

    private static readonly Lock SeededInit = new();

    /// <summary>Creates a freshly initialised network for 1×28×28 images and 10 classes.</summary>
    /// <param name="name"><see cref="Small"/> or <see cref="ResNet18"/> (case-insensitive).</param>
    /// <param name="seed">Seeds the initial weights (e.g. <see cref="TrialContext.Seed"/>), so that a seeded experiment
    /// starts every trial from the same weights on every run; null draws them at random.</param>
    /// <returns>The network, in training mode.</returns>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static Module<Tensor, Tensor> Create(string name = Small, int? seed = null)
    {
        if (seed is not { } s)
            return Build(name);
        // libtorch draws initial weights from one process-wide generator: seeding it and building under one lock keeps
        // a concurrent trial's draws from interleaving with these.
        lock (SeededInit)
        {
            manual_seed(s);
            return Build(name);
        }
    }

    private static Module<Tensor, Tensor> Build(string name) =>
        name?.ToLowerInvariant() switch
        {
            Small => new SmallCnn(),
            ResNet18 => CreateResNet18(),
            _ => throw new ArgumentException($"Unknown model '{name}'. Known models: {string.Join(", ", Names)}.", nameof(name)),
        };

    /// <summary>
    /// torchvision's <c>resnet18(num_classes=10)</c> whose <c>conv1</c> is replaced, as the seed does, by
    /// <c>Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)</c> for greyscale input.
    /// </summary>
    /// <returns>The network.</returns>
    public static ResNet CreateResNet18()
    {
        var model = torchvision.models.resnet18(num_classes: 10);
        ReplaceChild(model, "conv1", Conv2d(1, 64, kernel_size: 7, stride: 2, padding: 3, bias: false));
        return model;
    }

    /// <summary>
    /// Python's <c>model.conv1 = new_module</c> for a TorchSharp module. TorchSharp keeps a child twice:
    /// in a field that <c>forward</c> calls and in the registered-children list that
    /// <c>parameters()</c>, <c>state_dict()</c>, <c>to()</c> and <c>Dispose()</c> walk. Both must change,
    /// or the optimiser would train weights that <c>forward</c> never uses. The list entry is
    /// replaced in place, so the order of parameters and state_dict keys stays as before.
    /// </summary>
    internal static void ReplaceChild(Module module, string name, Module replacement)
    {
        FieldInfo field = FindField(module.GetType(), name)
            ?? throw new InvalidOperationException($"{module.GetType().Name} has no field '{name}' (TorchVision changed?).");
        FieldInfo children = FindField(typeof(Module), "_internal_submodules")
            ?? throw new InvalidOperationException("TorchSharp's Module has no '_internal_submodules' (TorchSharp changed?).");
        var registered = (IDictionary<string, Module>)children.GetValue(module)!;
        if (!registered.TryGetValue(name, out var old))
            throw new InvalidOperationException($"{module.GetType().Name} has no registered child '{name}'.");

        field.SetValue(module, replacement);
        registered[name] = replacement; // OrderedDict's indexer keeps the position
        old.Dispose();
    }

    private static FieldInfo? FindField(Type? type, string name)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.GetField(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly) is { } field)
                return field;
        }
        return null;
    }
}
