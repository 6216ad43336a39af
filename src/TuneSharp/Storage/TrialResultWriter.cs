using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace TuneSharp.Storage;

/// <summary>
/// Appends a trial's results to <c>result.json</c> (one JSON object per line) and <c>progress.csv</c>.
/// Open only while the trial runs. The files are unbuffered: each result reaches the OS as it is written, before
/// the trial's report returns, so a reported result survives a crash of the process (a buffered file would need a
/// flush per result anyway, and its buffers were most of what a short trial allocated). Plain file handles written
/// at an offset kept here (<see cref="RandomAccess"/>), not <see cref="FileStream"/>s: a FileStream opened for
/// appending asks the OS for the file's position and size three times, and a short trial's cost is system calls.
/// </summary>
/// <remarks>
/// The controller creates it and writes to it; the trial's own thread opens the files (<see cref="Open"/>) before
/// the trainable runs, so that creating them, the costliest file work of a short trial, does not hold up the
/// controller's loop. The controller writes only results the trial reported, that is after <see cref="Open"/>.
/// </remarks>
internal sealed class TrialResultWriter : IDisposable
{
    public const string ResultFile = "result.json";
    public const string ProgressFile = "progress.csv";

    private readonly string _directory;
    private readonly Lock _gate = new();
    private SafeFileHandle? _json;
    private SafeFileHandle? _csv;
    private long _jsonLength;
    private long _csvLength;
    private bool _disposed;
    private readonly List<string> _columns = new();
    private readonly HashSet<string> _columnSet = new();
    private bool _csvEmpty = true;

    public TrialResultWriter(string directory) => _directory = directory;

    /// <summary>Opens (creating) both files in the trial's existing folder; a second call does nothing.</summary>
    public void Open()
    {
        lock (_gate)
        {
            if (_json is not null || _disposed)
                return;
            string csvPath = Path.Combine(_directory, ProgressFile);
            (_csv, _csvLength) = OpenForAppend(csvPath);
            if (_csvLength > 0)
            {
                // A resumed trial: its rows so far set the columns.
                _csvEmpty = false;
                using var reader = new StreamReader(new FileStream(csvPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                foreach (string column in CsvSplit(reader.ReadLine() ?? ""))
                    AddColumn(column);
            }
            (_json, _jsonLength) = OpenForAppend(Path.Combine(_directory, ResultFile));
        }
    }

    /// <summary>Appends <paramref name="result"/> to both files, formatted by the experiment's <paramref name="formatter"/>.</summary>
    public void Write(IReadOnlyDictionary<string, object?> result, ResultFormatter formatter)
    {
        if (_json is null || _csv is null)
            throw new InvalidOperationException($"The result files in '{_directory}' were written to before they were opened.");
        Append(_json, ref _jsonLength, formatter.JsonLine(result));
        WriteCsv(result, formatter);
    }

    /// <summary>Appends <paramref name="result"/>'s row to <c>progress.csv</c> alone: for a result whose JSON line a
    /// crash left without its row (the line is written first).</summary>
    public void WriteCsv(IReadOnlyDictionary<string, object?> result, ResultFormatter formatter)
    {
        if (_csv is null)
            throw new InvalidOperationException($"The result files in '{_directory}' were written to before they were opened.");
        var flat = formatter.Flatten(result);
        bool newColumns = false;
        foreach (var (key, _) in flat)
            newColumns |= AddColumn(key);
        bool withHeader = newColumns && _csvEmpty; // the first result of a new file: nothing to rewrite
        if (newColumns && !_csvEmpty)
            RewriteCsvWithColumns();
        _csvEmpty = false;
        Append(_csv, ref _csvLength, formatter.CsvRow(_columns, flat, withHeader));
    }

    private static void Append(SafeFileHandle file, ref long length, ReadOnlySpan<byte> bytes)
    {
        RandomAccess.Write(file, bytes, length);
        length += bytes.Length;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _json?.Dispose();
            _csv?.Dispose();
        }
    }

    private bool AddColumn(string key)
    {
        if (!_columnSet.Add(key))
            return false;
        _columns.Add(key);
        return true;
    }

    /// <summary>Opens <paramref name="path"/> for appending, creating it; gives its length, where writing goes on.</summary>
    private static (SafeFileHandle File, long Length) OpenForAppend(string path)
    {
        // Usually a new file, whose length needs no asking; an existing one belongs to a resumed trial.
        if (ExperimentStore.TryCreateNew(path, FileShare.Read, out SafeFileHandle? created))
            return (created, 0);
        SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.Read);
        return (file, RandomAccess.GetLength(file));
    }

    // A key that appears after the first result widens the table: rewrite the file with the new header
    // (rows so far get empty cells), atomically, so that readers see every column. This is rare.
    private void RewriteCsvWithColumns()
    {
        string path = Path.Combine(_directory, ProgressFile);
        _csv!.Dispose();
        List<string> records = File.Exists(path) ? CsvRecords(File.ReadAllText(path)) : [];
        string temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            writer.WriteLine(HeaderLine());
            foreach (string record in records.Skip(1))
            {
                int fields = CsvSplit(record).Count;
                writer.WriteLine(record + new string(',', Math.Max(0, _columns.Count - fields)));
            }
        }
        File.Move(temp, path, overwrite: true);
        (_csv, _csvLength) = OpenForAppend(path);
    }

    private string HeaderLine() => ResultRecord.AppendCsvHeader(new StringBuilder(), _columns).ToString();

    /// <summary>How many rows <c>progress.csv</c> holds (records after the header).</summary>
    public static int CsvRowCount(string trialDirectory)
    {
        string path = Path.Combine(trialDirectory, ProgressFile);
        return File.Exists(path) ? Math.Max(0, CsvRecords(File.ReadAllText(path)).Count - 1) : 0;
    }

    /// <summary>Every result in a trial folder's <c>result.json</c>; a line cut short by a crash ends the history.</summary>
    /// <summary>The config the trial's first result was reported with (the config it began with), or null.</summary>
    public static Config? FirstConfig(string trialDirectory)
    {
        string path = Path.Combine(trialDirectory, ResultFile);
        if (!File.Exists(path) || File.ReadLines(path).FirstOrDefault() is not { Length: > 0 } line)
            return null;
        try
        {
            using var document = JsonDocument.Parse(JsonValues.QuoteNonFinite(line));
            return document.RootElement.TryGetProperty(ResultFields.Config, out JsonElement config) && config.ValueKind == JsonValueKind.Object
                ? Config.FromJson(config) : null;
        }
        catch (JsonException)
        {
            return null; // a line a crash cut short
        }
    }

    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> ReadHistory(string trialDirectory)
    {
        string file = Path.Combine(trialDirectory, ResultFile);
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        if (!File.Exists(file))
            return rows;
        foreach (string line in File.ReadLines(file))
        {
            if (string.IsNullOrWhiteSpace(line))
                continue;
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(JsonValues.QuoteNonFinite(line));
                rows.Add(JsonValues.ToDictionary(document.RootElement));
            }
            catch (System.Text.Json.JsonException)
            {
                break;
            }
        }
        return rows;
    }

    /// <summary>The records of a CSV text: split at line ends outside quotes, since a quoted field may hold a line
    /// break (a string metric).</summary>
    public static List<string> CsvRecords(string text)
    {
        var records = new List<string>();
        bool quoted = false;
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '"')
                quoted = !quoted; // a doubled quote inside a quoted field toggles twice
            else if (text[i] == '\n' && !quoted)
            {
                records.Add(text[start..(i > start && text[i - 1] == '\r' ? i - 1 : i)]);
                start = i + 1;
            }
        }
        if (start < text.Length)
            records.Add(text[start..]);
        return records;
    }

    /// <summary>Splits one CSV record, honouring quotes.</summary>
    public static List<string> CsvSplit(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        if (line.Length > 0) fields.Add(current.ToString());
        return fields;
    }
}
