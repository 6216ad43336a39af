namespace TuneSharp.Torch;

/// <summary>
/// One symbol version that an ELF shared library needs from another library, as listed in its
/// version-needs section (<c>.gnu.version_r</c>, the <c>DT_VERNEED</c> table; <c>readelf -V</c> shows the same).
/// </summary>
/// <param name="File">The library the version is needed from, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Flags">The raw <c>vna_flags</c> value.</param>
/// <param name="Index">The version index (<c>vna_other</c>) that <c>.gnu.version</c> uses for symbols of this version.</param>
/// <param name="RelocatedSymbols">Symbols of this version that a dynamic relocation refers to, i.e. that the loader must really bind.</param>
public sealed record ElfVersionNeed(string File, string Version, ushort Flags, ushort Index, IReadOnlyList<string> RelocatedSymbols)
{
    /// <summary>The <c>VER_FLG_WEAK</c> bit of <c>vna_flags</c>.</summary>
    public const ushort WeakFlag = 0x2;

    /// <summary>True when the loader treats a missing version as a warning instead of a load failure.</summary>
    public bool IsWeak => (Flags & WeakFlag) != 0;
}

/// <summary>
/// Reads symbol-version tables of ELF shared libraries and marks version needs weak.
/// This is what lets a library built against a newer libstdc++ load on an older one when the
/// newer version only covers a symbol that is never bound (see <see cref="LibTorchCompatibility"/>).
/// Supports 64-bit little-endian ELF only.
/// </summary>
public static class ElfVersionNeeds
{
    /// <summary>Lists the version needs of the ELF file at <paramref name="path"/>.</summary>
    /// <param name="path">Path of a shared library or executable.</param>
    /// <returns>One entry per needed version, in file order.</returns>
    public static IReadOnlyList<ElfVersionNeed> Read(string path)
    {
        var image = new ElfImage(File.ReadAllBytes(path), path);
        return image.VersionNeeds()
            .Select(n => new ElfVersionNeed(n.File, n.Version, n.Flags, n.Index, image.RelocatedSymbolsWithVersion(n.Index)))
            .ToList();
    }

    /// <summary>
    /// Lists the versions that the library at <paramref name="path"/> defines (<c>.gnu.version_d</c>),
    /// e.g. <c>GLIBCXX_3.4.30</c> for a system libstdc++.
    /// </summary>
    /// <param name="path">Path of a shared library.</param>
    /// <returns>The version names, without the base entry (the library's soname).</returns>
    public static IReadOnlyList<string> ReadDefinitions(string path) =>
        new ElfImage(File.ReadAllBytes(path), path).VersionDefinitions();

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on every version need of <paramref name="path"/> that
    /// <paramref name="select"/> accepts and that is not weak yet. The file is rewritten atomically
    /// (a temporary copy in the same folder, then a rename), keeping its Unix permissions, and only
    /// when something changes, so calling this again is harmless.
    /// </summary>
    /// <param name="path">The library to patch.</param>
    /// <param name="select">Chooses the entries to weaken.</param>
    /// <returns>The entries that were changed (empty when the file was left untouched).</returns>
    public static IReadOnlyList<ElfVersionNeed> MarkWeak(string path, Func<ElfVersionNeed, bool> select)
    {
        ArgumentNullException.ThrowIfNull(select);
        byte[] bytes = File.ReadAllBytes(path);
        var image = new ElfImage(bytes, path);
        var changed = new List<ElfVersionNeed>();
        foreach (var n in image.VersionNeeds())
        {
            var need = new ElfVersionNeed(n.File, n.Version, n.Flags, n.Index, image.RelocatedSymbolsWithVersion(n.Index));
            if (need.IsWeak || !select(need))
                continue;
            ushort flags = (ushort)(n.Flags | ElfVersionNeed.WeakFlag);
            bytes[n.FlagsOffset] = (byte)flags; // vna_flags is little-endian; only the low byte changes
            changed.Add(need with { Flags = flags });
        }
        if (changed.Count > 0)
            ReplaceAtomically(path, bytes);
        return changed;
    }

    private static void ReplaceAtomically(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, File.GetUnixFileMode(full));
            // Keep the timestamp: MSBuild's incremental copy (same size and time) then leaves the
            // patched copy in bin/ alone instead of overwriting it on every build.
            File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(full));
            // rename(2) replaces the directory entry in one step: a process that is loading the
            // library sees either the old file or the new one, never a half-written one. Writing in
            // place could also change the NuGet cache through a hard link; a rename cannot.
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
