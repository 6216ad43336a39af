using System.Globalization;
using System.Text;

namespace TuneSharp.Storage;

/// <summary>Ray Tune's trial ids, names and folder names, made safe for every operating system.</summary>
internal static class TrialNaming
{
    /// <summary>Ray keeps the part before the date to 130 characters; with the date the name stays under 200.</summary>
    public const int MaxIdentifierLength = 130;
    public const string DateFormat = "yyyy-MM-dd_HH-mm-ss";

    public static string TrialId(string experimentHex, int index) => $"{experimentHex}_{index:D5}";

    public static string DefaultTrialName(string trainable, string trialId) => $"{trainable}_{trialId}";

    /// <summary><c>&lt;name&gt;_&lt;index&gt;_&lt;params&gt;_&lt;date&gt;</c>, e.g.
    /// <c>TrainMnist_1a2b3_00000_0_lr=0.0020,momentum=0.2905_2026-11-27_21-20-26</c>.</summary>
    public static string DefaultDirName(string trialName, int index, string parameters, DateTimeOffset created)
    {
        string identifier = $"{trialName}_{index}" + (parameters.Length > 0 ? "_" + parameters : "");
        identifier = Sanitize(identifier);
        if (identifier.Length > MaxIdentifierLength)
            identifier = identifier[..MaxIdentifierLength].TrimEnd('_', ',', '.', '=');
        return $"{identifier}_{created.ToString(DateFormat, CultureInfo.InvariantCulture)}";
    }

    /// <summary>Ray's <c>format_vars</c>: searched parameters as <c>key=value</c>, sorted, comma-joined,
    /// keyed by the last segment of their path.</summary>
    public static string FormatParameters(Config config, IEnumerable<string> sampledPaths)
    {
        var parts = new List<string>();
        foreach (string path in sampledPaths.Order(StringComparer.Ordinal))
        {
            if (!config.Contains(path))
                continue;
            string key = path[(path.LastIndexOf('/') + 1)..];
            parts.Add($"{CleanValue(key)}={CleanValue(config.Get<object?>(path))}");
        }
        return string.Join(",", parts);
    }

    /// <summary>Floats to four decimals as Ray (0.0020), but small values keep four significant digits
    /// (1E-05) instead of collapsing to 0.0000.</summary>
    public static string CleanValue(object? value) => value switch
    {
        double d when d != 0 && Math.Abs(d) < 1e-3 => d.ToString("G4", CultureInfo.InvariantCulture),
        double d => d.ToString("0.0000", CultureInfo.InvariantCulture),
        float f => CleanValue((double)f),
        IFormattable f => Sanitize(f.ToString(null, CultureInfo.InvariantCulture)),
        null => "None",
        // A list's items joined by '_', as Ray cleans str([16, 32]) to 16_32 (a .NET list's ToString is its type's name).
        System.Collections.IEnumerable items and not string and not System.Collections.IDictionary =>
            string.Join("_", items.Cast<object?>().Select(CleanValue)),
        System.Collections.IDictionary => Sanitize(System.Text.Json.JsonSerializer.Serialize(value, JsonDefaults.Options)).Trim('_'),
        _ => Sanitize(value.ToString() ?? "").Trim('_'),
    };

    /// <summary>Keeps letters, digits and <c>_ - . = , +</c>; everything else becomes '_'. No trailing dot or
    /// space (Windows), never empty, never a Windows device name.</summary>
    public static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (char c in name)
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '=' or ',' or '+' ? c : '_');
        string result = builder.ToString().TrimEnd('.', ' ');
        if (result.Length == 0)
            return "trial";
        return ReservedWindowsNames.Contains(result.Split('.')[0].ToUpperInvariant()) ? "_" + result : result;
    }

    private static readonly HashSet<string> ReservedWindowsNames =
    [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
}
