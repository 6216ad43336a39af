using System.Text;
using System.Text.Json;
using TuneSharp.LightGbm.Native;

namespace TuneSharp.LightGbm;

/// <summary>
/// LightGBM's parameter names and their aliases, read once from the native library
/// (<c>LGBM_DumpParamAliases</c>), so that they always match the LightGBM that runs.
/// </summary>
internal static class ParameterNames
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> s_canonical = new(Load);

    /// <summary>The canonical name for <paramref name="name"/> (itself or an alias), or null when LightGBM knows no such parameter.</summary>
    public static string? Canonical(string name) => s_canonical.Value.GetValueOrDefault(name);

    private static unsafe IReadOnlyDictionary<string, string> Load()
    {
        NativeMethods.LGBM_DumpParamAliases(0, out long length, null);
        var buffer = new byte[length];
        fixed (byte* p = buffer)
            LightGbmException.ThrowIfFailed(NativeMethods.LGBM_DumpParamAliases(buffer.Length, out length, p), "LGBM_DumpParamAliases");
        // {"learning_rate": ["eta", "shrinkage_rate"], ...}, NUL-terminated.
        int end = Array.IndexOf(buffer, (byte)0);
        using var json = JsonDocument.Parse(buffer.AsMemory(0, end < 0 ? buffer.Length : end));
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty parameter in json.RootElement.EnumerateObject())
        {
            map[parameter.Name] = parameter.Name;
            foreach (JsonElement alias in parameter.Value.EnumerateArray())
                map.TryAdd(alias.GetString()!, parameter.Name);
        }
        return map;
    }
}
