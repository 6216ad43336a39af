using System.Runtime.InteropServices;

namespace TuneSharp.Torch;

/// <summary>
/// The C library's process environment. On Unix, <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// only changes .NET's own copy, so native code that calls getenv (libgomp reading
/// <c>OMP_WAIT_POLICY</c>, libtorch reading <c>OMP_NUM_THREADS</c>) never sees it.
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>Sets a variable in both .NET's and the C library's environment.</summary>
    /// <param name="name">Variable name.</param>
    /// <param name="value">Value.</param>
    /// <param name="overwrite">False keeps a value that is already set (by the user, say).</param>
    /// <returns>The value in effect afterwards.</returns>
    public static string Set(string name, string value, bool overwrite)
    {
        string? current = Get(name);
        if (current is not null && !overwrite)
        {
            Environment.SetEnvironmentVariable(name, current);
            return current;
        }
        Environment.SetEnvironmentVariable(name, value);
        if (!OperatingSystem.IsWindows() && setenv(name, value, 1) != 0)
            throw new InvalidOperationException($"setenv({name}) failed with errno {Marshal.GetLastPInvokeError()}.");
        return value;
    }

    /// <summary>Reads a variable as native code sees it.</summary>
    /// <param name="name">Variable name.</param>
    /// <returns>Its value, or null when unset.</returns>
    public static string? Get(string name)
    {
        if (OperatingSystem.IsWindows())
            return Environment.GetEnvironmentVariable(name);
        IntPtr p = getenv(name);
        return p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getenv(string name);
}
