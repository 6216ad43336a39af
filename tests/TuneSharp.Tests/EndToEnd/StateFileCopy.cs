namespace TuneSharp.Tests.EndToEnd;

/// <summary>The experiment's newest state snapshot as it was on disk at one moment; put back, it leaves the folder as a
/// crash at that moment would (with the file's own time: a resume compares result lines' times with it).</summary>
internal sealed record StateFileCopy(string File, byte[] Bytes, DateTime WrittenUtc)
{
    /// <summary>The newest snapshot, or null while there is none yet.</summary>
    public static StateFileCopy? Take(string experiment)
    {
        var files = Directory.Exists(experiment) ? Directory.GetFiles(experiment, "experiment_state-*.json") : [];
        if (files.Length == 0)
            return null;
        string file = files.Order(StringComparer.Ordinal).Last();
        // The time and the contents of one and the same snapshot: the controller may replace the file between the two
        // reads when this runs on another thread than the controller's (a resume compares result lines' times with it).
        while (true)
        {
            DateTime written = System.IO.File.GetLastWriteTimeUtc(file);
            byte[] bytes = System.IO.File.ReadAllBytes(file);
            if (System.IO.File.GetLastWriteTimeUtc(file) == written)
                return new StateFileCopy(file, bytes, written);
        }
    }

    /// <summary>Replaces every snapshot in the experiment folder with this one.</summary>
    public void PutBack()
    {
        foreach (string f in Directory.GetFiles(Path.GetDirectoryName(File)!, "experiment_state-*.json"))
            System.IO.File.Delete(f);
        System.IO.File.WriteAllBytes(File, Bytes);
        System.IO.File.SetLastWriteTimeUtc(File, WrittenUtc);
    }
}

/// <summary>Takes a <see cref="StateFileCopy"/> at the first result for which <paramref name="when"/> holds.</summary>
internal sealed class CopyAt(string experiment, Func<TrialInfo, IReadOnlyDictionary<string, object?>, bool> when,
    Action<StateFileCopy> keep) : TuneSharp.Reporting.TuneCallback
{
    private bool _done;

    public override void OnTrialResult(TrialInfo trial, IReadOnlyDictionary<string, object?> result)
    {
        // A callback that throws would end the experiment: copy only once there is a snapshot to copy.
        if (_done || !when(trial, result) || StateFileCopy.Take(experiment) is not { } copy)
            return;
        _done = true;
        keep(copy);
    }
}
