namespace TuneSharp.Execution;

/// <summary>What one run of a trial holds: its resources, and which GPUs (by index) carry its GPU share.</summary>
internal sealed record ResourceGrant(Resources Resources, IReadOnlyList<int> GpuIds);

/// <summary>
/// Logical resources (Ray's cluster resources): a trial starts only when what it asks for fits in what
/// is free. GPUs are counted per device, as Ray does: a whole request takes whole idle GPUs, a fraction must
/// fit on one GPU (so two trials of 0.6 GPU never share one), and each run learns which GPUs it holds.
/// Called only from the controller's loop.
/// </summary>
internal sealed class ResourcePool
{
    private const double Slack = 1e-9; // fractions such as 3 × 1/3 must still fit
    private double _cpu;
    private readonly double[] _gpuUsed; // the share of each GPU in use
    private readonly Dictionary<string, double> _custom = new();

    public ResourcePool(Resources capacity)
    {
        Capacity = capacity;
        _gpuUsed = new double[(int)Math.Floor(capacity.Gpu + Slack)];
    }

    public Resources Capacity { get; }

    /// <summary>Throws when <paramref name="request"/> could never fit, so the experiment fails at start rather than hang.</summary>
    public void EnsureCanEverFit(Resources request, string owner)
    {
        if (request.Cpu > Capacity.Cpu + Slack)
            throw new TuneException($"{owner} asks for {request.Cpu} CPUs per trial but only {Capacity.Cpu} exist. Ask for fewer, or raise TuneConfig.AvailableResources.");
        if (request.Gpu > Capacity.Gpu + Slack)
            throw new TuneException($"{owner} asks for {request.Gpu} GPUs per trial but only {Capacity.Gpu} exist. Ask for fewer, or set TuneConfig.AvailableResources with the GPUs this machine has.");
        foreach (var (name, amount) in request.Custom)
            if (amount > Capacity.Custom.GetValueOrDefault(name) + Slack)
                throw new TuneException($"{owner} asks for {amount} of custom resource '{name}' but only {Capacity.Custom.GetValueOrDefault(name)} exist. Declare it in TuneConfig.AvailableResources.Custom.");
    }

    /// <summary>Whether <paramref name="request"/> fits in what is free now.</summary>
    public bool CanFit(Resources request)
    {
        if (_cpu + request.Cpu > Capacity.Cpu + Slack || PlaceGpus(request.Gpu) is null)
            return false;
        foreach (var (name, amount) in request.Custom)
            if (_custom.GetValueOrDefault(name) + amount > Capacity.Custom.GetValueOrDefault(name) + Slack)
                return false;
        return true;
    }

    public ResourceGrant? TryAcquire(Resources request)
    {
        if (!CanFit(request))
            return null;
        int[] gpus = PlaceGpus(request.Gpu)!;
        _cpu += request.Cpu;
        foreach (int gpu in gpus)
            _gpuUsed[gpu] += Math.Min(request.Gpu, 1);
        foreach (var (name, amount) in request.Custom)
            _custom[name] = _custom.GetValueOrDefault(name) + amount;
        return new ResourceGrant(request, gpus);
    }

    public void Release(ResourceGrant grant)
    {
        Resources request = grant.Resources;
        _cpu = Math.Max(0, _cpu - request.Cpu);
        foreach (int gpu in grant.GpuIds)
            _gpuUsed[gpu] = Math.Max(0, _gpuUsed[gpu] - Math.Min(request.Gpu, 1));
        foreach (var (name, amount) in request.Custom)
            _custom[name] = Math.Max(0, _custom.GetValueOrDefault(name) - amount);
    }

    /// <summary>
    /// The GPUs a request of <paramref name="amount"/> would get, or null when it does not fit now. Whole amounts take
    /// the lowest-numbered idle GPUs; a fraction goes to the fullest GPU it still fits on (best fit, as Ray places
    /// fractional GPU requests, so that whole GPUs stay free for whole requests).
    /// </summary>
    private int[]? PlaceGpus(double amount)
    {
        if (amount <= 0)
            return [];
        if (amount < 1 - Slack)
        {
            int best = -1;
            for (int i = 0; i < _gpuUsed.Length; i++)
                if (_gpuUsed[i] + amount <= 1 + Slack && (best < 0 || _gpuUsed[i] > _gpuUsed[best]))
                    best = i;
            return best < 0 ? null : [best];
        }
        int needed = (int)Math.Round(amount);
        int[] idle = Enumerable.Range(0, _gpuUsed.Length).Where(i => _gpuUsed[i] <= Slack).Take(needed).ToArray();
        return idle.Length == needed ? idle : null;
    }

    /// <summary>Ray's "Logical resource usage" line, e.g. <c>2.0/2 CPUs, 0/0 GPUs</c>.</summary>
    public string Describe()
    {
        var parts = new List<string> { $"{_cpu:0.0#}/{Capacity.Cpu:0.##} CPUs", $"{_gpuUsed.Sum():0.0#}/{Capacity.Gpu:0.##} GPUs" };
        parts.AddRange(Capacity.Custom.Select(kv => $"{_custom.GetValueOrDefault(kv.Key):0.0#}/{kv.Value:0.##} {kv.Key}"));
        return string.Join(", ", parts);
    }
}
