using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TuneSharp.Torch;

/// <summary>
/// Saves and restores a model, its optimiser and a few numbers (e.g. the PBT example's "step") in a
/// checkpoint folder, the content of a Ray Tune <c>Checkpoint.from_directory</c>.
/// </summary>
/// <remarks>
/// The files are <see cref="ModelFile"/> (the model's state dict in TorchSharp's format, read from
/// Python with TorchSharp's <c>importsd.py</c>), <see cref="OptimizerFile"/> (TorchSharp's optimiser
/// state: hyperparameters and per-parameter state such as SGD momentum buffers) and
/// <see cref="ExtraFile"/> (a flat JSON object of numbers). Each is written under a temporary name
/// and renamed, so a crash never leaves a half-written file under the real name.
/// </remarks>
public static class TorchCheckpoint
{
    /// <summary>The model's file name.</summary>
    public const string ModelFile = "model.pt";
    /// <summary>The optimiser's file name.</summary>
    public const string OptimizerFile = "optimizer.pt";
    /// <summary>The extra numbers' file name.</summary>
    public const string ExtraFile = "extra.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // NaN and ±Infinity survive
    };

    /// <summary>Writes a checkpoint into <paramref name="dir"/> (created if missing).</summary>
    /// <param name="dir">The checkpoint folder.</param>
    /// <param name="model">The model whose parameters and buffers are saved.</param>
    /// <param name="optimizer">Its optimiser, or null to save the model only.</param>
    /// <param name="extra">Numbers to keep beside them, or null.</param>
    public static void Save(string dir, nn.Module model, optim.Optimizer? optimizer = null, IReadOnlyDictionary<string, double>? extra = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(dir);
        WriteAtomically(Path.Combine(dir, ModelFile), temp => model.save(temp));
        if (optimizer is not null)
            WriteAtomically(Path.Combine(dir, OptimizerFile), temp => Helper(optimizer).save_state_dict(temp));
        if (extra is not null)
            WriteAtomically(Path.Combine(dir, ExtraFile), temp => File.WriteAllText(temp, JsonSerializer.Serialize(extra, s_json)));
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="Save"/> into an existing model (and optimiser) of the
    /// same architecture. The optimiser gets back the hyperparameters it was saved with: apply new ones
    /// afterwards with <see cref="Sgd.SetHyperparameters"/>.
    /// </summary>
    /// <param name="dir">The checkpoint folder.</param>
    /// <param name="model">The model to load parameters and buffers into.</param>
    /// <param name="optimizer">The optimiser to restore, or null to skip it.</param>
    /// <returns>The extra numbers, empty when none were saved.</returns>
    /// <exception cref="FileNotFoundException">The model file, or the optimiser file when an optimiser is given, is missing.</exception>
    public static IReadOnlyDictionary<string, double> Load(string dir, nn.Module model, optim.Optimizer? optimizer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        ArgumentNullException.ThrowIfNull(model);
        model.load(Existing(dir, ModelFile));
        if (optimizer is not null)
            Helper(optimizer).load_state_dict(Existing(dir, OptimizerFile));
        string extraPath = Path.Combine(dir, ExtraFile);
        return File.Exists(extraPath)
            ? JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(extraPath), s_json) ?? []
            : new Dictionary<string, double>();
    }

    private static OptimizerHelper Helper(optim.Optimizer optimizer) =>
        optimizer as OptimizerHelper
        ?? throw new NotSupportedException($"{optimizer.GetType().Name} cannot save its state; use one of TorchSharp's managed optimisers (SGD, Adam, ...).");

    private static string Existing(string dir, string file)
    {
        string path = Path.Combine(dir, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Checkpoint folder {dir} has no {file}.", path);
    }

    private static void WriteAtomically(string path, Action<string> write)
    {
        string temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
