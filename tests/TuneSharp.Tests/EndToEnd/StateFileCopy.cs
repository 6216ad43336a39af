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
        return new StateFileCopy(file, System.IO.File.ReadAllBytes(file), System.IO.File.GetLastWriteTimeUtc(file));
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
