using System.Runtime.InteropServices;

namespace TuneSharp.LightGbm;

/// <summary>
/// A LightGBM C API call failed. The message names the call, carries LightGBM's own message
/// (from <c>LGBM_GetLastError</c>) and, where the call took a parameter string, that string.
/// </summary>
public sealed class LightGbmException : Exception
{
    /// <summary>A failure of <paramref name="call"/> with LightGBM's <paramref name="nativeMessage"/>.</summary>
    public LightGbmException(string call, string nativeMessage, string? parameters = null)
        : base($"{call} failed: {nativeMessage}" + (parameters is null ? "" : $" (parameters: {parameters})"))
    {
        Call = call;
        NativeMessage = nativeMessage;
        Parameters = parameters;
    }

    /// <summary>The C API function that failed, e.g. <c>LGBM_BoosterCreate</c>.</summary>
    public string Call { get; }

    /// <summary>LightGBM's message, e.g. <c>Unknown objective type name: foo</c>.</summary>
    public string NativeMessage { get; }

    /// <summary>The parameter string the call was given, or null.</summary>
    public string? Parameters { get; }

    /// <summary>Throws when <paramref name="result"/> is LightGBM's failure code; call right after the native call,
    /// on the same thread, because LightGBM keeps the last error per thread.</summary>
    internal static void ThrowIfFailed(int result, string call, string? parameters = null)
    {
        if (result == 0)
            return;
        string message = Marshal.PtrToStringUTF8(Native.NativeMethods.LGBM_GetLastError())?.Trim() ?? "(no message)";
        throw new LightGbmException(call, message, parameters);
    }
}
