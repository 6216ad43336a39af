namespace TuneSharp;

/// <summary>
/// A checkpoint: a folder of files a trial can be restored from (Ray's <c>ray.train.Checkpoint</c>).
/// Create one with <see cref="FromDirectory(Action{string})"/> and pass it to
/// <see cref="TrialContext.ReportAsync"/>; TuneSharp stores it as <c>checkpoint_00000N</c> in the trial folder.
/// A checkpoint that no result line names (a class trainable's save at a pause, or a PBT exploit's copy) also holds
/// <c>.tune_result.json</c>, the result it belongs to, which a resume reads; an exploit's copy also holds
/// <c>.tune_config.json</c>, the config the trial continues with from it. Leave them there.
/// </summary>
public sealed class Checkpoint
{
    private readonly Action<string>? _writer;

    private Checkpoint(string? path, Action<string>? writer)
    {
        Path = path;
        _writer = writer;
    }

    /// <summary>The checkpoint's folder, or null for a checkpoint whose writer has not run yet.</summary>
    public string? Path { get; private set; }

    /// <summary>A checkpoint of an existing folder; TuneSharp copies it into storage when it is reported.</summary>
    public static Checkpoint FromDirectory(string path)
    {
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"Checkpoint.FromDirectory: the folder '{path}' does not exist.");
        return new Checkpoint(System.IO.Path.GetFullPath(path), null);
    }

    /// <summary>A checkpoint written by <paramref name="write"/> into a folder TuneSharp gives it when it is
    /// reported (on the trial's own thread), so nothing is copied twice.</summary>
    public static Checkpoint FromDirectory(Action<string> write) => new(null, write);

    /// <summary>Reads the checkpoint: <paramref name="read"/> gets its folder.</summary>
    public void Read(Action<string> read) => read(RequirePath());

    /// <summary>Reads the checkpoint: <paramref name="read"/> gets its folder and returns a value.</summary>
    public T Read<T>(Func<string, T> read) => read(RequirePath());

    /// <inheritdoc />
    public override string ToString() => $"Checkpoint(path={Path ?? "<not written yet>"})";

    private string RequirePath() =>
        Path ?? throw new InvalidOperationException("This checkpoint has not been written yet: report it first, then read it from trial.GetCheckpoint().");

    /// <summary>Writes or copies the checkpoint's files into <paramref name="target"/> (an empty folder).</summary>
    internal void WriteInto(string target)
    {
        if (_writer is not null)
            _writer(target);
        else
            CopyDirectory(Path!, target);
    }

    internal static Checkpoint AtPath(string path) => new(path, null);

    internal static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(source))
            File.Copy(file, System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)), overwrite: true);
        foreach (string dir in Directory.EnumerateDirectories(source))
            CopyDirectory(dir, System.IO.Path.Combine(target, System.IO.Path.GetFileName(dir)));
    }
}
