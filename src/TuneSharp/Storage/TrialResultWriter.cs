using System.Text;

namespace TuneSharp.Storage;

/// <summary>
/// Appends a trial's results to <c>result.json</c> (one JSON object per line) and <c>progress.csv</c>.
/// Open only while the trial runs; the controller flushes it after each batch of results, before the
/// trial's report returns, so a reported result survives a crash of the process.
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
    private FileStream? _json;
    private StreamWriter? _csv;
    private bool _disposed;
    private readonly List<string> _columns = new();
    private readonly HashSet<string> _columnSet = new();
    // Reused for every result: the controller writes each result of every trial, so per-result allocations add up.
    private readonly ResultLine _line = new();
    private readonly List<KeyValuePair<string, object?>> _flat = new();
    private readonly Dictionary<string, object?> _values = new();
    private readonly StringBuilder _row = new();
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
            var csvInfo = new FileInfo(csvPath);
            if (csvInfo.Exists && csvInfo.Length > 0)
            {
                _csvEmpty = false;
                using (var reader = new StreamReader(csvPath))
                    foreach (string column in CsvSplit(reader.ReadLine() ?? ""))
                        AddColumn(column);
            }
            _json = new FileStream(Path.Combine(_directory, ResultFile), FileMode.Append, FileAccess.Write, FileShare.Read, 16384);
            _csv = OpenCsv(csvPath);
        }
    }

    public void Write(IReadOnlyDictionary<string, object?> result)
    {
        if (_json is null || _csv is null)
            throw new InvalidOperationException($"The result files in '{_directory}' were written to before they were opened.");
        _json.Write(_line.Format(result));
        _flat.Clear();
        _flat.AddRange(ResultRecord.Flatten(result));
        _values.Clear();
        bool newColumns = false;
        foreach (var (key, value) in _flat)
        {
            newColumns |= AddColumn(key);
            _values[key] = value;
        }
        if (newColumns && _csvEmpty)
            _csv.Write(HeaderLine() + "\n"); // the first result of a new file: nothing to rewrite
        else if (newColumns)
            RewriteCsvWithColumns();
        _csvEmpty = false;
        _row.Clear();
        for (int i = 0; i < _columns.Count; i++)
        {
            if (i > 0) _row.Append(',');
            if (_values.TryGetValue(_columns[i], out object? value))
                _row.Append(ResultRecord.ToCsvField(value));
        }
        _csv.Write(_row.Append('\n'));
    }

    public void Flush()
    {
        _json?.Flush();
        _csv?.Flush();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _json?.Dispose();
            _csv?.Dispose();
            _line.Dispose();
        }
    }

    private bool AddColumn(string key)
    {
        if (!_columnSet.Add(key))
            return false;
        _columns.Add(key);
        return true;
    }

    private static StreamWriter OpenCsv(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 16384), new UTF8Encoding(false)) { NewLine = "\n" };

    // A key that appears after the first result widens the table: rewrite the file with the new header
    // (rows so far get empty cells), atomically, so that readers see every column. This is rare.
    private void RewriteCsvWithColumns()
    {
        string path = Path.Combine(_directory, ProgressFile);
        _csv!.Dispose();
        string[] lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        string temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            writer.WriteLine(HeaderLine());
            foreach (string line in lines.Skip(1))
            {
                int fields = CsvSplit(line).Count;
                writer.WriteLine(line + new string(',', Math.Max(0, _columns.Count - fields)));
            }
        }
        File.Move(temp, path, overwrite: true);
        _csv = OpenCsv(path);
    }

    private string HeaderLine() => string.Join(",", _columns.Select(c => ResultRecord.ToCsvField(c)));

    /// <summary>Every result in a trial folder's <c>result.json</c>; a line cut short by a crash ends the history.</summary>
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
                using var document = System.Text.Json.JsonDocument.Parse(line);
                rows.Add(JsonValues.ToDictionary(document.RootElement));
            }
            catch (System.Text.Json.JsonException)
            {
                break;
            }
        }
        return rows;
    }

    /// <summary>Splits one CSV line, honouring quotes.</summary>
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
