namespace TuneSharp.Storage;

/// <summary>
/// A trial's stored checkpoints and which to delete under <see cref="CheckpointConfig.NumToKeep"/>.
/// The latest checkpoint is never deleted (a paused, failed or exploited trial resumes from it), nor is
/// any checkpoint pinned by another part of the experiment (e.g. the source of a PBT exploit).
/// </summary>
internal sealed class CheckpointRetention(CheckpointConfig config)
{
    private readonly List<StoredCheckpoint> _kept = new();

    public IReadOnlyList<StoredCheckpoint> Kept => _kept;
    /// <summary>The newest: <see cref="Kept"/> stays in index order (new ones get the next index).</summary>
    public StoredCheckpoint? Latest => _kept.Count == 0 ? null : _kept[^1];
    public int NextIndex { get; set; }

    /// <summary>Registers a new checkpoint; returns the folders to delete now.</summary>
    public IReadOnlyList<string> Add(StoredCheckpoint checkpoint, Func<string, bool> isPinned)
    {
        _kept.Add(checkpoint);
        NextIndex = Math.Max(NextIndex, checkpoint.Index + 1);
        return Prune(isPinned);
    }

    /// <summary>Deletes what retention allows (called again when a pin is released).</summary>
    public IReadOnlyList<string> Prune(Func<string, bool> isPinned)
    {
        if (config.NumToKeep is not { } keep || _kept.Count <= keep)
            return [];
        StoredCheckpoint latest = Latest!;
        var ranked = _kept.OrderByDescending(c => Score(config, c)).ThenByDescending(c => c.Index).ToList();
        var keepSet = ranked.Take(keep).Append(latest).ToHashSet();
        var doomed = _kept.Where(c => !keepSet.Contains(c) && !isPinned(c.Path)).ToList();
        foreach (var c in doomed)
            _kept.Remove(c);
        return doomed.Select(c => c.Path).ToList();
    }

    /// <summary>Higher is better. Without a score attribute the newest ranks highest; a checkpoint whose
    /// result lacks the attribute ranks lowest. Also how a result orders its checkpoints (Result.BestCheckpoints).</summary>
    public static double Score(CheckpointConfig config, StoredCheckpoint checkpoint)
    {
        if (config.CheckpointScoreAttribute is not { } attribute)
            return checkpoint.Index;
        return checkpoint.Metrics is not null && ResultFields.TryGetDouble(checkpoint.Metrics, attribute, out double value) && !double.IsNaN(value)
            ? config.CheckpointScoreOrder.Sign() * value
            : double.NegativeInfinity;
    }

    public void Restore(IEnumerable<StoredCheckpoint> kept)
    {
        _kept.Clear();
        _kept.AddRange(kept.OrderBy(c => c.Index));
        NextIndex = _kept.Count == 0 ? 0 : _kept.Max(c => c.Index) + 1;
    }
}

/// <summary>A checkpoint in storage with the result it was reported with.</summary>
internal sealed record StoredCheckpoint(string Path, int Index, IReadOnlyDictionary<string, object?>? Metrics);
