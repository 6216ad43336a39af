namespace TuneSharp.Search.Encoding;

/// <summary>
/// Completed trials as rows of internal coordinates (NaN where a parameter was inactive) with their loss
/// (the metric turned into "lower is better"), in completion order, plus the running trials. Rows live in one
/// flat array and the loss order is kept incrementally, so a suggestion never sorts or allocates per trial.
/// </summary>
internal sealed class Observations
{
    private readonly int _stride;
    private double[] _data;
    private double[] _loss = new double[64];
    private int[] _byLoss = new int[64];
    private readonly List<(string Id, double[] X)> _running = [];

    public Observations(int stride)
    {
        _stride = stride;
        _data = new double[64 * Math.Max(stride, 1)];
    }

    /// <summary>Completed rows.</summary>
    public int Count { get; private set; }

    /// <summary>Running trials, in suggestion order.</summary>
    public IReadOnlyList<(string Id, double[] X)> Running => _running;

    public ReadOnlySpan<double> Row(int row) => _data.AsSpan(row * _stride, _stride);

    public double Loss(int row) => _loss[row];

    /// <summary>The completed rows sorted by loss (ties by completion order).</summary>
    public ReadOnlySpan<int> ByLoss => _byLoss.AsSpan(0, Count);

    public void Add(ReadOnlySpan<double> x, double loss)
    {
        if (Count == _loss.Length)
        {
            Array.Resize(ref _loss, Count * 2);
            Array.Resize(ref _byLoss, Count * 2);
            Array.Resize(ref _data, Math.Max(_data.Length, Count * 2 * Math.Max(_stride, 1)));
        }
        x.CopyTo(_data.AsSpan(Count * _stride, _stride));
        _loss[Count] = loss;
        // Insert after every row with a loss <= this one: keeps ties in completion order.
        int at = Count;
        while (at > 0 && _loss[_byLoss[at - 1]] > loss)
            at--;
        Array.Copy(_byLoss, at, _byLoss, at + 1, Count - at);
        _byLoss[at] = Count;
        Count++;
    }

    public void AddRunning(string id, double[] x) => _running.Add((id, x));

    /// <summary>Removes a running trial and returns its coordinates, or null when it is unknown.</summary>
    public double[]? TakeRunning(string id)
    {
        int index = _running.FindIndex(r => r.Id == id);
        if (index < 0)
            return null;
        double[] x = _running[index].X;
        _running.RemoveAt(index);
        return x;
    }

    public void Clear()
    {
        Count = 0;
        _running.Clear();
    }

    /// <summary>
    /// Completed rows and running trials together in one matrix (completed first, in completion order), for the
    /// models. What a searcher assumes about the running trials' losses is its own affair (TPE's constant liar, the GP's kriging believer).
    /// </summary>
    public ReadOnlySpan<double> Matrix(out int rows)
    {
        rows = Count + _running.Count;
        int needed = rows * _stride;
        if (_data.Length < needed)
            Array.Resize(ref _data, needed);
        for (int i = 0; i < _running.Count; i++)
            _running[i].X.CopyTo(_data.AsSpan((Count + i) * _stride, _stride));
        return _data.AsSpan(0, needed);
    }
}
