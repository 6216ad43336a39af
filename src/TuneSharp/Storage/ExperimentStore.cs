using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp.Storage;

/// <summary>
/// The experiment folder in Ray Tune's layout (see docs/DESIGN.md): trial folders, <c>params.json</c>,
/// checkpoints, <c>error.txt</c>, and the state snapshots a resume reads. Writes others rely on are atomic.
/// </summary>
internal sealed class ExperimentStore
{
    public const string StatePrefix = "experiment_state-";
    public const string TunerFile = "tuner.json";
    public const string ErrorFile = "error.txt";
    public const string ParamsFile = "params.json";

    public ExperimentStore(string path, DateTimeOffset started)
    {
        Path = path;
        Timestamp = started.ToString(TrialNaming.DateFormat, CultureInfo.InvariantCulture);
        Directory.CreateDirectory(path);
    }

    public string Path { get; }
    public string Timestamp { get; }

    /// <summary>The folder a new trial will use; it is created when the trial first starts, as Ray does, so
    /// trials that are queued but never run leave nothing on disk. Unique among the folders on disk and those
    /// already given to other trials, whose folders may not exist yet.</summary>
    public string TrialDirectoryFor(string dirName)
    {
        string path = System.IO.Path.Combine(Path, dirName);
        for (int n = 1; (_claimed.Contains(path) || Directory.Exists(path)) && n < 1000; n++)
            path = System.IO.Path.Combine(Path, $"{dirName}_{n}");
        _claimed.Add(path);
        return path;
    }

    /// <summary>Marks the folder of a trial restored from a snapshot as taken, whether or not it exists yet.</summary>
    public void Claim(string trialDirectory) => _claimed.Add(trialDirectory);

    private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);

    /// <summary>Creates a trial's folder with its <c>params.json</c> unless both exist (a trial's first start,
    /// or a retry after a start that failed half-way).</summary>
    public static void EnsureTrialDirectory(string trialDirectory, Config config)
    {
        if (File.Exists(System.IO.Path.Combine(trialDirectory, ParamsFile)))
            return;
        Directory.CreateDirectory(trialDirectory);
        WriteParams(trialDirectory, config);
    }

    public static void WriteParams(string trialDirectory, Config config) =>
        WriteAtomically(System.IO.Path.Combine(trialDirectory, ParamsFile), JsonSerializer.Serialize(config, JsonDefaults.Indented));

    /// <summary>Appends a failure in Ray's format (<c>Failure # 1 (occurred at …)</c>) so earlier attempts stay readable.</summary>
    public static string AppendError(string trialDirectory, int failureNumber, Exception error, DateTimeOffset at)
    {
        // The trial's thread creates its folder; if that is what failed, this tries once more and, failing too,
        // ends the experiment with the file system's own error, which names the folder.
        Directory.CreateDirectory(trialDirectory);
        string path = System.IO.Path.Combine(trialDirectory, ErrorFile);
        File.AppendAllText(path,
            $"Failure # {failureNumber} (occurred at {at.ToString(TrialNaming.DateFormat, CultureInfo.InvariantCulture)})\n{error}\n\n");
        return path;
    }

    /// <summary>Moves a staged checkpoint into place as <c>checkpoint_00000N</c>.</summary>
    public static string PersistCheckpoint(string trialDirectory, string staged, int index)
    {
        string target = System.IO.Path.Combine(trialDirectory, CheckpointDirName(index));
        if (Directory.Exists(target))
            Directory.Delete(target, recursive: true);
        Directory.Move(staged, target);
        return target;
    }

    public static string CheckpointDirName(int index) => $"checkpoint_{index:D6}";

    public static void DeleteCheckpoint(string path)
    {
        if (Directory.Exists(path))
            Directory.Delete(path, recursive: true);
    }

    public void WriteTunerSettings(JsonObject settings) =>
        WriteAtomically(System.IO.Path.Combine(Path, TunerFile), settings.ToJsonString(JsonDefaults.Indented));

    /// <summary>
    /// Writes the state snapshot that <paramref name="write"/> streams, atomically. The JSON goes through a memory
    /// buffer that <paramref name="write"/> empties into the file with the action it is given, once per trial: a
    /// <see cref="Utf8JsonWriter"/> over a stream flushes the stream (a write to the file) after every
    /// <see cref="JsonSerializer"/> call, two per trial, which was half the cost of a snapshot.
    /// </summary>
    public void WriteState(Action<Utf8JsonWriter, Action> write)
    {
        const int chunk = 1 << 16;
        string path = System.IO.Path.Combine(Path, $"{StatePrefix}{Timestamp}.json");
        string temp = path + ".tmp";
        using (FileStream file = CreateFresh(temp))
        {
            var buffer = new ArrayBufferWriter<byte>(2 * chunk);
            using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonDefaults.Options.Encoder });
            void Drain(int atLeast)
            {
                writer.Flush();
                if (buffer.WrittenCount < atLeast)
                    return;
                file.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount(); // the writer asks for new memory after a flush
            }
            write(writer, () => Drain(chunk));
            Drain(1);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The newest state snapshot in an experiment folder, or null.</summary>
    public static string? FindLatestState(string experimentPath) =>
        Directory.Exists(experimentPath)
            ? Directory.EnumerateFiles(experimentPath, StatePrefix + "*.json").Order(StringComparer.Ordinal).LastOrDefault()
            : null;

    /// <summary>Write to a temporary name, then rename: readers never see half a file.</summary>
    public static void WriteAtomically(string path, string contents)
    {
        string temp = path + ".tmp";
        using (var stream = CreateFresh(temp))
            stream.Write(Encoding.UTF8.GetBytes(contents));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Creates <paramref name="path"/> as a new file, removing one a crash left behind. Not
    /// <see cref="FileMode.Create"/>: on Unix that truncates the file it opens, and ext4 answers a truncation to
    /// zero with a write-back of the file when it is closed (its <c>auto_da_alloc</c> guard against lost
    /// renames), which cost about 90 µs per trial folder on a virtual disk.
    /// </summary>
    private static FileStream CreateFresh(string path)
    {
        File.Delete(path);
        return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
    }
}
