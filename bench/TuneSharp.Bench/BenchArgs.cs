using System.Globalization;

namespace TuneSharp.Bench;

/// <summary>An option of a benchmark: <c>--name value</c>, or a flag <c>--name</c> when it has no value.</summary>
internal sealed record BenchOption(string Name, string Help, string? ValueName = null, string? Default = null)
{
    public bool IsFlag => ValueName is null;

    public string Usage => IsFlag ? $"--{Name}" : $"--{Name} <{ValueName}>";

    /// <summary>An option taking a value.</summary>
    public static BenchOption Value(string name, string valueName, string help, string? defaultValue = null) =>
        new(name, defaultValue is null ? help : $"{help} (default {defaultValue})", valueName, defaultValue);

    /// <summary>A flag, off unless given.</summary>
    public static BenchOption Flag(string name, string help) => new(name, help);
}

/// <summary>A benchmark's parsed options. Errors name the argument and say how to fix it.</summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, string?> _values;
    private readonly IReadOnlyList<BenchOption> _options;

    private BenchArgs(Dictionary<string, string?> values, IReadOnlyList<BenchOption> options)
    {
        _values = values;
        _options = options;
    }

    public static BenchArgs Parse(ReadOnlySpan<string> args, IReadOnlyList<BenchOption> options)
    {
        var values = new Dictionary<string, string?>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new BenchArgumentException($"Unexpected argument '{arg}'. Options start with '--', e.g. {options[0].Usage}.");
            string name = arg[2..];
            string? inline = null;
            int equals = name.IndexOf('=');
            if (equals >= 0)
                (name, inline) = (name[..equals], name[(equals + 1)..]);
            BenchOption option = options.FirstOrDefault(o => o.Name == name)
                ?? throw new BenchArgumentException($"Unknown option '--{name}'. Valid options: {string.Join(", ", options.Select(o => o.Usage))}.");
            if (values.ContainsKey(name))
                throw new BenchArgumentException($"Option '--{name}' is given twice; give it once.");
            if (option.IsFlag)
            {
                if (inline is not null)
                    throw new BenchArgumentException($"Option '--{name}' is a flag and takes no value; write just '--{name}'.");
                values[name] = null;
                continue;
            }
            if (inline is null)
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new BenchArgumentException($"Option '--{name}' needs a value: {option.Usage}.");
                inline = args[++i];
            }
            values[name] = inline;
        }
        return new BenchArgs(values, options);
    }

    public bool Flag(string name) => _values.ContainsKey(Find(name).Name);

    /// <summary>An integer option within [min, max], or its default when absent.</summary>
    public int Int(string name, int min, int max)
    {
        BenchOption option = Find(name);
        string text = _values.TryGetValue(name, out string? given) ? given! : option.Default
            ?? throw new BenchArgumentException($"Option '--{name}' is required: add {option.Usage}.");
        return ParseInt(name, text, min, max);
    }

    /// <summary>An integer option within [min, max], or null when absent (its default is then computed by the command).</summary>
    public int? OptionalInt(string name, int min, int max)
    {
        Find(name);
        return _values.TryGetValue(name, out string? given) ? ParseInt(name, given!, min, max) : null;
    }

    private static int ParseInt(string name, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new BenchArgumentException($"Option '--{name}' is '{text}', not a whole number; give an integer from {min} to {max}, e.g. --{name} {Math.Max(min, Math.Min(max, 1000))}.");
        if (value < min || value > max)
            throw new BenchArgumentException($"Option '--{name}' is {value}; give an integer from {min} to {max}.");
        return value;
    }

    /// <summary>An existing directory given as an option's value, or null when the option is absent.</summary>
    public string? Directory(string name)
    {
        Find(name);
        if (!_values.TryGetValue(name, out string? path))
            return null;
        if (!System.IO.Directory.Exists(path))
            throw new BenchArgumentException($"Option '--{name}' is '{path}', which is not an existing directory; create it or give another, e.g. --{name} /tmp.");
        return Path.GetFullPath(path!);
    }

    /// <summary>A text option's value, or its default; an error when it has neither.</summary>
    public string Text(string name) => TextOrNull(name)
        ?? throw new BenchArgumentException($"Option '--{name}' is required: add {Find(name).Usage}.");

    /// <summary>A text option's value, or its default, or null.</summary>
    public string? TextOrNull(string name) => _values.TryGetValue(Find(name).Name, out string? given) ? given : Find(name).Default;

    private BenchOption Find(string name) =>
        _options.FirstOrDefault(o => o.Name == name) ?? throw new InvalidOperationException($"The command did not declare option '--{name}'.");
}

internal sealed class BenchArgumentException(string message) : Exception(message);
