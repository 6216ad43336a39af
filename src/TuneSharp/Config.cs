using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TuneSharp;

/// <summary>
/// A resolved trial configuration (Ray Tune's <c>config</c> dict): every search-space primitive
/// replaced by a concrete value. Values are plain data (numbers, strings, booleans, nested
/// dictionaries and lists), so a config can be written to <c>params.json</c> and sent to another machine.
/// </summary>
public sealed class Config : IReadOnlyDictionary<string, object?>
{
    private readonly IReadOnlyDictionary<string, object?> _values;

    /// <summary>An empty config.</summary>
    public static Config Empty { get; } = new(new Dictionary<string, object?>());

    /// <summary>Wraps resolved values; nested dictionaries stay as they are.</summary>
    public Config(IReadOnlyDictionary<string, object?> values) => _values = values;

    /// <summary>The value at <paramref name="path"/> converted to <typeparamref name="T"/>.
    /// A path may name a nested value with '/' (<c>"optimizer/lr"</c>).</summary>
    /// <exception cref="KeyNotFoundException">No value is at the path; the message lists the keys there are.</exception>
    public T Get<T>(string path)
    {
        if (!TryGetRaw(path, out object? raw))
            throw new KeyNotFoundException(
                $"The config has no parameter '{path}'. Its parameters are: {string.Join(", ", FlattenKeys())}.");
        return ConvertValue<T>(raw, path);
    }

    /// <summary>The value at <paramref name="path"/>, or <paramref name="defaultValue"/> when there is none.</summary>
    public T GetOrDefault<T>(string path, T defaultValue) =>
        TryGetRaw(path, out object? raw) ? ConvertValue<T>(raw, path) : defaultValue;

    /// <summary>Whether a value is at <paramref name="path"/>.</summary>
    public bool Contains(string path) => TryGetRaw(path, out _);

    /// <summary>A copy of this config with <paramref name="path"/> set to <paramref name="value"/>
    /// (nested dictionaries on the path are copied, never mutated).</summary>
    public Config With(string path, object? value) =>
        new(SetPath(_values, path.Split('/'), 0, value));

    /// <summary>Every leaf value keyed by its '/'-joined path, in Ray's <c>config/a/b</c> flattening order.</summary>
    public IEnumerable<KeyValuePair<string, object?>> Flatten() => FlattenInto(_values, "");

    /// <summary>The config as compact JSON.</summary>
    public override string ToString() => JsonSerializer.Serialize(_values, JsonDefaults.Options);

    /// <summary>Reads a config back from JSON (numbers become long when integral, else double).</summary>
    public static Config FromJson(JsonElement element) => new(JsonValues.ToDictionary(element));

    internal static T ConvertValue<T>(object? raw, string path)
    {
        if (raw is Search.Unresolved)
            throw new Search.UnresolvedDependencyException(path);
        if (raw is T typed)
            return typed;
        try
        {
            Type target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
            if (raw is null)
                return default!;
            if (raw is IConvertible && typeof(IConvertible).IsAssignableFrom(target) && !target.IsEnum)
                return (T)System.Convert.ChangeType(raw, target, CultureInfo.InvariantCulture);
            if (target.IsEnum && raw is string s)
                return (T)Enum.Parse(target, s, ignoreCase: true);
            // Lists, nested configs, records: go through JSON so any serialisable type works.
            JsonNode? node = JsonSerializer.SerializeToNode(raw, JsonDefaults.Conversion);
            return node.Deserialize<T>(JsonDefaults.Conversion)!;
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or JsonException or NotSupportedException)
        {
            throw new InvalidCastException(
                $"Config parameter '{path}' holds {Describe(raw)}, which cannot be read as {typeof(T).Name}.", e);
        }
    }

    private static string Describe(object? value) => value is null ? "null" : $"{value} ({value.GetType().Name})";

    internal bool TryGetRaw(string path, out object? value)
    {
        if (_values.TryGetValue(path, out value))
            return true;
        object? node = _values;
        foreach (string part in path.Split('/'))
        {
            switch (node)
            {
                case IReadOnlyDictionary<string, object?> d when d.TryGetValue(part, out object? next):
                    node = next;
                    break;
                case IList list when int.TryParse(part, out int i) && i >= 0 && i < list.Count:
                    node = list[i];
                    break;
                default:
                    value = null;
                    return false;
            }
        }
        value = node;
        return true;
    }

    private IEnumerable<string> FlattenKeys() => Flatten().Select(kv => kv.Key);

    private static IEnumerable<KeyValuePair<string, object?>> FlattenInto(IReadOnlyDictionary<string, object?> values, string prefix)
    {
        foreach ((string key, object? value) in values)
        {
            string path = prefix + key;
            if (value is IReadOnlyDictionary<string, object?> nested)
                foreach (var kv in FlattenInto(nested, path + "/"))
                    yield return kv;
            else
                yield return new(path, value);
        }
    }

    private static Dictionary<string, object?> SetPath(IReadOnlyDictionary<string, object?> source, string[] parts, int index, object? value)
    {
        var copy = new Dictionary<string, object?>(source);
        string key = parts[index];
        if (index == parts.Length - 1)
            copy[key] = value;
        else
            copy[key] = SetPath(
                source.TryGetValue(key, out object? child) && child is IReadOnlyDictionary<string, object?> d ? d : new Dictionary<string, object?>(),
                parts, index + 1, value);
        return copy;
    }

    /// <inheritdoc />
    public object? this[string key] => Resolved(key, _values[key]);
    /// <inheritdoc />
    public IEnumerable<string> Keys => _values.Keys;
    /// <inheritdoc />
    public IEnumerable<object?> Values => _values.Values;
    /// <inheritdoc />
    public int Count => _values.Count;
    /// <inheritdoc />
    public bool ContainsKey(string key) => _values.ContainsKey(key);
    /// <inheritdoc />
    public bool TryGetValue(string key, out object? value)
    {
        bool found = _values.TryGetValue(key, out value);
        value = Resolved(key, value);
        return found;
    }

    /// <summary>A SampleFrom reading a value another SampleFrom has not given yet is retried later (as Ray's access guard),
    /// whichever way it reads it: through Get, the indexer or TryGetValue.</summary>
    private static object? Resolved(string key, object? value) =>
        value is Search.Unresolved ? throw new Search.UnresolvedDependencyException(key) : value;
    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _values.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
