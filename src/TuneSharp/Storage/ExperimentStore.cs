using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;
using TuneSharp.Reporting.TensorBoard;

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
        _new = !Directory.Exists(path);
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
        for (int n = 1; (_claimed.Contains(path) || (!_new && Directory.Exists(path))) && n < 1000; n++)
            path = System.IO.Path.Combine(Path, $"{dirName}_{n}");
        _claimed.Add(path);
        return path;
    }

    /// <summary>Trial folders no trial has claimed (with a <c>params.json</c>, or empty: a crash came before the trial
    /// wrote it): after a resume, those of trials made after the last snapshot.</summary>
    public List<string> UnclaimedTrialFolders() =>
        Directory.EnumerateDirectories(Path)
            .Where(d => !_claimed.Contains(d) && (File.Exists(System.IO.Path.Combine(d, ParamsFile)) || IsEmpty(d)))
            .Order(StringComparer.Ordinal).ToList();

    public static bool IsEmpty(string directory) => !Directory.EnumerateFileSystemEntries(directory).Any();

    /// <summary>Marks the folder of a trial restored from a snapshot as taken, whether or not it exists yet.</summary>
    public void Claim(string trialDirectory) => _claimed.Add(trialDirectory);

    private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);
    // The experiment folder did not exist before: nothing in it is there unless a trial of ours made it, so giving
    // out a trial folder needs no look at the disk (a stat per trial on the controller's thread).
    private readonly bool _new;

    /// <summary>Makes sure a trial's folder exists with its <c>params.json</c> holding <paramref name="config"/>, at every
    /// start of the trial.</summary>
    /// <remarks>
    /// On a first start the folder is new, so <c>params.json</c> is created in place (O_EXCL) rather than through a
    /// temporary file and a rename: a short trial's start is mostly file work, and this takes 10 system calls off
    /// it (docs/benchmarks.md). On a later start the file is rewritten, atomically, if it does not hold the config:
    /// a crash cut it short, or the config changed (a restart with a new config that failed before it was saved).
    /// </remarks>
    public static void EnsureTrialDirectory(string trialDirectory, Config config)
    {
        Directory.CreateDirectory(trialDirectory);
        string path = System.IO.Path.Combine(trialDirectory, ParamsFile);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(config, JsonDefaults.Indented);
        if (TryCreateNew(path, FileShare.None, out SafeFileHandle? handle))
        {
            using (handle)
                RandomAccess.Write(handle, json, 0);
        }
        else if (!File.ReadAllBytes(path).AsSpan().SequenceEqual(json))
            WriteAtomically(path, json);
    }

    /// <summary>Opens <paramref name="path"/> as a new file for writing; false if it exists already.</summary>
    public static bool TryCreateNew(string path, FileShare share, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeFileHandle? handle)
    {
        try
        {
            handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, share);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            handle = null;
            return false;
        }
    }

    /// <summary>The config in a trial's <c>params.json</c>, or null when there is none that parses.</summary>
    public static Config? ReadParams(string trialDirectory) =>
        ReadJsonObject(System.IO.Path.Combine(trialDirectory, ParamsFile), Config.FromJson);

    public static void WriteParams(string trialDirectory, Config config) =>
        WriteAtomically(System.IO.Path.Combine(trialDirectory, ParamsFile), JsonSerializer.SerializeToUtf8Bytes(config, JsonDefaults.Indented));

    /// <summary>The failures <c>error.txt</c> records, each as the first line of its exception (type and message).</summary>
    public static IReadOnlyList<string> ReadFailures(string trialDirectory)
    {
        string path = System.IO.Path.Combine(trialDirectory, ErrorFile);
        if (!File.Exists(path))
            return [];
        var lines = File.ReadAllLines(path);
        return lines.Select((line, i) => (line, i)).Where(p => p.line.StartsWith(FailureHeader, StringComparison.Ordinal))
            .Select(p => p.i + 1 < lines.Length ? lines[p.i + 1] : "").ToList();
    }

    private const string FailureHeader = "Failure # ";

    /// <summary>Appends a failure in Ray's format (<c>Failure # 1 (occurred at …)</c>) so earlier attempts stay readable.</summary>
    public static string AppendError(string trialDirectory, int failureNumber, Exception error, DateTimeOffset at)
    {
        // The trial's thread creates its folder; if that is what failed, this tries once more and, failing too,
        // ends the experiment with the file system's own error, which names the folder.
        Directory.CreateDirectory(trialDirectory);
        string path = System.IO.Path.Combine(trialDirectory, ErrorFile);
        File.AppendAllText(path,
            $"{FailureHeader}{failureNumber} (occurred at {at.ToString(TrialNaming.DateFormat, CultureInfo.InvariantCulture)})\n{error}\n\n");
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

    /// <summary>
    /// Moves what an attempt that failed left in the trial folder (its checkpoints, <c>result.json</c>,
    /// <c>progress.csv</c>, <c>error.txt</c> and TensorBoard event files) into <c>failed_attempt_N/</c> of the trial folder, before the
    /// trial starts over (<c>restartErrored</c>): they stay on disk for the user, but a later resume, retention, the
    /// trial's results and best-checkpoint queries see only the new attempt's. (Ray appends the new attempt's results
    /// to the failed one's.)
    /// </summary>
    public static void SetAsideFailedAttempt(string trialDirectory, IEnumerable<string> checkpoints)
    {
        var folders = checkpoints.Where(Directory.Exists).ToList();
        var files = Directory.Exists(trialDirectory)
            ? new[] { TrialResultWriter.ResultFile, TrialResultWriter.ProgressFile, ErrorFile }
                .Select(name => System.IO.Path.Combine(trialDirectory, name)).Where(File.Exists)
                .Concat(Directory.EnumerateFiles(trialDirectory, EventFile.FilePrefix + "*")).ToList()
            : [];
        if (folders.Count == 0 && files.Count == 0)
            return;
        int attempt = 1;
        while (Directory.Exists(System.IO.Path.Combine(trialDirectory, $"{FailedAttemptPrefix}{attempt}")))
            attempt++;
        string target = Directory.CreateDirectory(System.IO.Path.Combine(trialDirectory, $"{FailedAttemptPrefix}{attempt}")).FullName;
        foreach (string path in folders)
            Directory.Move(path, System.IO.Path.Combine(target, System.IO.Path.GetFileName(path)));
        foreach (string path in files)
            File.Move(path, System.IO.Path.Combine(target, System.IO.Path.GetFileName(path)));
    }

    public const string FailedAttemptPrefix = "failed_attempt_";

    /// <summary>The result a checkpoint that no result line names was saved with (a save at a pause, on request, or an
    /// exploit's copy), kept inside the checkpoint folder for a resume. Ray keeps its own metadata there too.</summary>
    public const string CheckpointResultFile = ".tune_result.json";

    public static void WriteCheckpointResult(string checkpointDirectory, IReadOnlyDictionary<string, object?> result)
    {
        // The writer result.json uses: any metric a trial may report is written (unknown kinds as text), so this never fails on one.
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonDefaults.Options.Encoder }))
            ResultRecord.WriteJson(writer, result);
        File.WriteAllBytes(System.IO.Path.Combine(checkpointDirectory, CheckpointResultFile), buffer.WrittenSpan.ToArray());
    }

    /// <summary>In a checkpoint that a PBT exploit copied in: the config the trial continues with from it. It comes in with the
    /// copy, in one move, so that a crash before params.json is rewritten cannot pair the copy with the old config.</summary>
    public const string CheckpointConfigFile = ".tune_config.json";

    public static void WriteCheckpointConfig(string checkpointDirectory, Config config) =>
        File.WriteAllBytes(System.IO.Path.Combine(checkpointDirectory, CheckpointConfigFile), JsonSerializer.SerializeToUtf8Bytes(config, JsonDefaults.Indented));

    /// <summary>What <see cref="WriteCheckpointConfig"/> wrote, or null when the folder has none (or a damaged one).</summary>
    public static Config? ReadCheckpointConfig(string checkpointDirectory) =>
        ReadJsonObject(System.IO.Path.Combine(checkpointDirectory, CheckpointConfigFile), Config.FromJson);

    /// <summary>What <see cref="WriteCheckpointResult"/> wrote, or null when the folder has none (or a damaged one).</summary>
    public static IReadOnlyDictionary<string, object?>? ReadCheckpointResult(string checkpointDirectory) =>
        ReadJsonObject<IReadOnlyDictionary<string, object?>>(
            System.IO.Path.Combine(checkpointDirectory, CheckpointResultFile), JsonValues.ToDictionary);

    /// <summary>The JSON object in <paramref name="path"/>, converted; null when there is no such file or it holds no
    /// object that parses (one a crash cut short).</summary>
    private static T? ReadJsonObject<T>(string path, Func<JsonElement, T> convert) where T : class
    {
        if (!File.Exists(path))
            return null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.ValueKind == JsonValueKind.Object ? convert(document.RootElement) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Every <c>checkpoint_*</c> folder of a trial, with the result it was reported with: the line that names
    /// it, else the result saved inside it (a save without a line), else, for folders older than that file, the last line.</summary>
    public static List<StoredCheckpoint> CheckpointsOnDisk(string dir, IReadOnlyList<IReadOnlyDictionary<string, object?>> history)
    {
        var byName = new Dictionary<string, IReadOnlyDictionary<string, object?>>();
        foreach (var row in history)
            if (row.GetValueOrDefault(ResultFields.CheckpointDirName) is string name)
                byName[name] = row;
        var found = new List<StoredCheckpoint>();
        if (!Directory.Exists(dir))
            return found;
        foreach (string path in Directory.EnumerateDirectories(dir, "checkpoint_*"))
        {
            string name = System.IO.Path.GetFileName(path);
            if (int.TryParse(name["checkpoint_".Length..], out int index))
                found.Add(new StoredCheckpoint(path, index,
                    byName.GetValueOrDefault(name) ?? ReadCheckpointResult(path) ?? history.LastOrDefault()));
        }
        return found.OrderBy(c => c.Index).ToList();
    }

    public static void DeleteCheckpoint(string path)
    {
        if (Directory.Exists(path))
            Directory.Delete(path, recursive: true);
    }

    public void WriteTunerSettings(JsonObject settings) =>
        WriteAtomically(System.IO.Path.Combine(Path, TunerFile), Encoding.UTF8.GetBytes(settings.ToJsonString(JsonDefaults.Indented)));

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
    public static void WriteAtomically(string path, ReadOnlySpan<byte> contents)
    {
        string temp = path + ".tmp";
        using (var stream = CreateFresh(temp))
            stream.Write(contents);
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
