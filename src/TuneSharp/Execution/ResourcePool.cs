namespace TuneSharp.Execution;

/// <summary>
/// Logical resources (Ray's cluster resources): a trial starts only when what it asks for fits in what
/// is free. Called only from the controller's loop.
/// </summary>
internal sealed class ResourcePool(Resources capacity)
{
    private double _cpu, _gpu;
    private readonly Dictionary<string, double> _custom = new();

    public Resources Capacity { get; } = capacity;
    public double UsedCpu => _cpu;
    public double UsedGpu => _gpu;

    /// <summary>Throws when <paramref name="request"/> could never fit, so the experiment fails at start rather than hang.</summary>
    public void EnsureCanEverFit(Resources request, string owner)
    {
        if (request.Cpu > Capacity.Cpu + 1e-9)
            throw new TuneException($"{owner} asks for {request.Cpu} CPUs per trial but only {Capacity.Cpu} exist. Ask for fewer, or raise TuneConfig.AvailableResources.");
        if (request.Gpu > Capacity.Gpu + 1e-9)
            throw new TuneException($"{owner} asks for {request.Gpu} GPUs per trial but only {Capacity.Gpu} exist. Ask for fewer, or set TuneConfig.AvailableResources with the GPUs this machine has.");
        foreach (var (name, amount) in request.Custom)
            if (amount > Capacity.Custom.GetValueOrDefault(name) + 1e-9)
                throw new TuneException($"{owner} asks for {amount} of custom resource '{name}' but only {Capacity.Custom.GetValueOrDefault(name)} exist. Declare it in TuneConfig.AvailableResources.Custom.");
    }

    /// <summary>Whether <paramref name="request"/> fits in what is free now.</summary>
    public bool CanFit(Resources request)
    {
        const double slack = 1e-9; // fractions such as 3 × 1/3 must still fit
        if (_cpu + request.Cpu > Capacity.Cpu + slack || _gpu + request.Gpu > Capacity.Gpu + slack)
            return false;
        foreach (var (name, amount) in request.Custom)
            if (_custom.GetValueOrDefault(name) + amount > Capacity.Custom.GetValueOrDefault(name) + slack)
                return false;
        return true;
    }

    public bool TryAcquire(Resources request)
    {
        if (!CanFit(request))
            return false;
        _cpu += request.Cpu;
        _gpu += request.Gpu;
        foreach (var (name, amount) in request.Custom)
            _custom[name] = _custom.GetValueOrDefault(name) + amount;
        return true;
    }

    public void Release(Resources request)
    {
        _cpu = Math.Max(0, _cpu - request.Cpu);
        _gpu = Math.Max(0, _gpu - request.Gpu);
        foreach (var (name, amount) in request.Custom)
            _custom[name] = Math.Max(0, _custom.GetValueOrDefault(name) - amount);
    }

    /// <summary>Ray's "Logical resource usage" line, e.g. <c>2.0/2 CPUs, 0/0 GPUs</c>.</summary>
    public string Describe()
    {
        var parts = new List<string> { $"{_cpu:0.0#}/{Capacity.Cpu:0.##} CPUs", $"{_gpu:0.0#}/{Capacity.Gpu:0.##} GPUs" };
        parts.AddRange(Capacity.Custom.Select(kv => $"{_custom.GetValueOrDefault(kv.Key):0.0#}/{kv.Value:0.##} {kv.Key}"));
        return string.Join(", ", parts);
    }
}
