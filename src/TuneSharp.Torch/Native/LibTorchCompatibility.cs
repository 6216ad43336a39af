using System.Runtime.InteropServices;

namespace TuneSharp.Torch;

/// <summary>What <see cref="LibTorchCompatibility.EnsureLoadable()"/> found or did.</summary>
public enum LibTorchCompatibilityStatus
{
    /// <summary>Not Linux: nothing to do.</summary>
    NotLinux,
    /// <summary>No <c>libLibTorchSharp.so</c> was found in the app's folders, so nothing was checked.</summary>
    LibraryNotFound,
    /// <summary>The system libstdc++ could not be found, so nothing was checked.</summary>
    SystemLibraryNotFound,
    /// <summary>The system libstdc++ has every version the library needs.</summary>
    Compatible,
    /// <summary>Missing versions were already marked weak by an earlier run.</summary>
    AlreadyPatched,
    /// <summary>Missing versions were marked weak now.</summary>
    Patched,
}

/// <summary>The outcome of <see cref="LibTorchCompatibility.EnsureLoadable()"/>.</summary>
/// <param name="Status">What was found or done.</param>
/// <param name="SystemLibStdCxx">The libstdc++ whose version definitions were used, if found.</param>
/// <param name="Libraries">The copies of <c>libLibTorchSharp.so</c> that were checked.</param>
/// <param name="WeakVersions">The libstdc++ versions the system lacks and that are (now) weak needs.</param>
public sealed record LibTorchCompatibilityReport(
    LibTorchCompatibilityStatus Status,
    string? SystemLibStdCxx,
    IReadOnlyList<string> Libraries,
    IReadOnlyList<string> WeakVersions);

/// <summary>
/// Makes TorchSharp's native library load on Linux distributions whose libstdc++ is older than the
/// one it was built with (e.g. Debian 12: TorchSharp 0.107's <c>libLibTorchSharp.so</c> needs
/// <c>GLIBCXX_3.4.32</c>, Debian 12 has up to 3.4.30, and TorchSharp then reports a misleading
/// "could not find libtorch" error; <c>ldd</c> shows the real cause).
/// </summary>
/// <remarks>
/// The only symbol of that version is <c>std::ios_base_library_init()</c>, which GCC 13 references
/// from every file that includes &lt;iostream&gt; without ever calling it (no relocation binds it).
/// Marking the version need weak (<c>VER_FLG_WEAK</c>) turns the loader's fatal error into nothing.
/// A missing version that some relocation does bind is never weakened: that would only move the
/// failure to a crash at call time, so <see cref="EnsureLoadable()"/> throws instead.
/// Call <see cref="EnsureLoadable()"/> before the first use of any <c>torch.*</c> member (it touches
/// none itself); <see cref="TorchThreads.Configure"/> calls it for you.
/// </remarks>
public static class LibTorchCompatibility
{
    /// <summary>The file name of TorchSharp's native glue library on Linux.</summary>
    public const string LibraryFileName = "libLibTorchSharp.so";

    private static readonly Lazy<LibTorchCompatibilityReport> s_once =
        new(() => EnsureLoadable(FindLibraries(), FindSystemLibStdCxx()), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Checks, and patches where needed, every <c>libLibTorchSharp.so</c> this app would load.
    /// Runs once per process (later calls return the first report); safe to call from many threads
    /// and, thanks to atomic renames, from many processes at once.
    /// </summary>
    /// <returns>What was found or done.</returns>
    /// <exception cref="InvalidOperationException">The system libstdc++ lacks a version that the library really uses, or the library cannot be rewritten.</exception>
    public static LibTorchCompatibilityReport EnsureLoadable() => s_once.Value;

    /// <summary>
    /// The testable core of <see cref="EnsureLoadable()"/>: checks the given library files against the
    /// given libstdc++ and marks exactly the missing, unbound libstdc++ versions weak.
    /// </summary>
    /// <param name="libraries">Paths of <c>libLibTorchSharp.so</c> copies (or any ELF library needing libstdc++).</param>
    /// <param name="systemLibStdCxx">Path of the libstdc++.so.6 the loader will use, or null if unknown.</param>
    /// <returns>What was found or done.</returns>
    public static LibTorchCompatibilityReport EnsureLoadable(IReadOnlyList<string> libraries, string? systemLibStdCxx)
    {
        ArgumentNullException.ThrowIfNull(libraries);
        if (!OperatingSystem.IsLinux())
            return new(LibTorchCompatibilityStatus.NotLinux, null, [], []);
        if (libraries.Count == 0)
            return new(LibTorchCompatibilityStatus.LibraryNotFound, systemLibStdCxx, [], []);
        if (systemLibStdCxx is null)
            return new(LibTorchCompatibilityStatus.SystemLibraryNotFound, null, libraries, []);

        var available = new HashSet<string>(ElfVersionNeeds.ReadDefinitions(systemLibStdCxx), StringComparer.Ordinal);
        bool Missing(ElfVersionNeed n) => n.File.StartsWith("libstdc++.so", StringComparison.Ordinal) && !available.Contains(n.Version);

        var weak = new SortedSet<string>(StringComparer.Ordinal);
        bool patched = false;
        foreach (string library in libraries)
        {
            var missing = ElfVersionNeeds.Read(library).Where(Missing).ToList();
            var used = missing.Where(n => n.RelocatedSymbols.Count > 0).ToList();
            if (used.Count > 0)
            {
                throw new InvalidOperationException(
                    $"{library} needs {string.Join(", ", used.Select(n => n.Version))} from libstdc++ for " +
                    $"{string.Join(", ", used.SelectMany(n => n.RelocatedSymbols).Take(5))}, which {systemLibStdCxx} lacks. " +
                    "Install a newer libstdc++ (GCC 13 or later) or use a newer Linux distribution.");
            }
            try
            {
                patched |= ElfVersionNeeds.MarkWeak(library, Missing).Count > 0;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                throw new InvalidOperationException(
                    $"{library} must be patched to load with {systemLibStdCxx} (it needs {string.Join(", ", missing.Select(n => n.Version))}), " +
                    "but its folder is not writable. Run the app once with write access to that folder, or install GCC 13's libstdc++.", e);
            }
            weak.UnionWith(missing.Select(n => n.Version));
        }

        var status = patched ? LibTorchCompatibilityStatus.Patched
            : weak.Count > 0 ? LibTorchCompatibilityStatus.AlreadyPatched
            : LibTorchCompatibilityStatus.Compatible;
        return new(status, systemLibStdCxx, libraries, weak.ToList());
    }

    /// <summary>
    /// Finds the copies of <c>libLibTorchSharp.so</c> the runtime would load: in the app's base folder
    /// (apps built with a runtime identifier), in <c>runtimes/linux-x64/native/</c> beneath it
    /// (apps built without one), and in the native search folders the .NET host was given.
    /// </summary>
    /// <returns>Full paths of existing files, without duplicates.</returns>
    public static IReadOnlyList<string> FindLibraries()
    {
        var folders = new List<string> { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") };
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
            folders.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return folders
            .Select(f => Path.GetFullPath(Path.Combine(f, LibraryFileName)))
            .Distinct(StringComparer.Ordinal)
            .Where(File.Exists)
            .ToList();
    }

    /// <summary>
    /// Finds the libstdc++.so.6 the dynamic loader will use: the one already mapped into this process
    /// (the .NET host links it), else the first one in <c>LD_LIBRARY_PATH</c> or the usual system folders.
    /// </summary>
    /// <returns>Its path, or null when none is found.</returns>
    public static string? FindSystemLibStdCxx()
    {
        const string name = "libstdc++.so.6";
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0) continue;
                string path = line[slash..];
                if (Path.GetFileName(path).StartsWith(name, StringComparison.Ordinal) && File.Exists(path)) // not "... (deleted)"
                    return path;
            }
        }
        catch (IOException) { } // no procfs (containers without /proc): fall back to searching

        string triplet = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        var folders = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat([$"/lib/{triplet}", $"/usr/lib/{triplet}", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]);
        return folders.Select(f => Path.Combine(f, name)).FirstOrDefault(File.Exists);
    }
}
