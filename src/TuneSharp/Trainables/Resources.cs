namespace TuneSharp;

/// <summary>
/// Logical resources one trial needs (Ray Tune's <c>resources_per_trial</c> / <c>tune.with_resources</c>).
/// Fractions are allowed: two trials of <c>Gpu = 0.5</c> share one GPU. TuneSharp runs as many trials at once as
/// the pool can hold and tells each which GPUs it holds (<see cref="TrialContext.GpuIds"/>); it does not pin threads.
/// </summary>
public sealed record Resources
{
    /// <summary>CPUs. <value>The default value is 1.</value></summary>
    public double Cpu { get; init; } = 1;

    /// <summary>GPUs: a fraction of one GPU (at most 1) or whole GPUs, as in Ray. <value>The default value is 0.</value></summary>
    public double Gpu { get; init; }

    /// <summary>Custom resources by name (e.g. <c>"accelerator_type:A100"</c>). <value>The default is none.</value></summary>
    public IReadOnlyDictionary<string, double> Custom { get; init; } = new Dictionary<string, double>();

    /// <summary>A short description such as <c>1 CPU, 0.5 GPU</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string> { $"{Cpu:0.##} CPU" };
        if (Gpu > 0) parts.Add($"{Gpu:0.##} GPU");
        parts.AddRange(Custom.Select(kv => $"{kv.Value:0.##} {kv.Key}"));
        return string.Join(", ", parts);
    }

    internal void Validate(string owner)
    {
        if (!(Cpu >= 0) || !(Gpu >= 0) || Custom.Any(kv => !(kv.Value >= 0)))
            throw new TuneException($"{owner} asks for negative or NaN resources ({this}). Use amounts >= 0.");
        if (Gpu > 1 && Gpu != Math.Floor(Gpu))
            throw new TuneException($"{owner} asks for {Gpu} GPUs. Ask for a fraction of one GPU (at most 1) or whole GPUs " +
                "(e.g. 1 or 2), as Ray does: a share larger than one GPU cannot be placed.");
        if (Cpu == 0 && Gpu == 0 && Custom.Count == 0)
            throw new TuneException($"{owner} asks for no resources at all, so nothing would limit how many trials run at once. Ask for at least a fraction of a CPU.");
    }
}
