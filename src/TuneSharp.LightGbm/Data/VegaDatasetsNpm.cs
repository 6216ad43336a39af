using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using TuneSharp.Data;

namespace TuneSharp.LightGbm.Data;

/// <summary>
/// Fetches <c>flights-3m.parquet</c> from the npm package <c>vega-datasets@3.2.1</c> with the ordinary npm
/// client: on machines that reach only package registries, it is the one source of these flights.
/// Only that file is kept from the 17 MB package.
/// </summary>
internal static class VegaDatasetsNpm
{
    public const string Package = "vega-datasets@3.2.1";
    public const string Entry = "package/data/flights-3m.parquet";

    /// <summary>SHA-256 of the file in that package version, recorded from the first download.</summary>
    public const string Sha256 = "dbeb920c90f59b6ccaff823dcc3d08f25a97fa1ce128d93f40be4e931f5900b0";

    /// <summary>Downloads the package with npm and writes the parquet file to <paramref name="target"/>, atomically.</summary>
    public static async Task FetchAsync(string target, string npmCommand, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("tunesharp-flights-");
        try
        {
            string tgz = await PackAsync(work.FullName, npmCommand, cancellationToken).ConfigureAwait(false);
            string temp = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            try
            {
                await ExtractAsync(tgz, temp, cancellationToken).ConfigureAwait(false);
                string actual;
                await using (var file = File.OpenRead(temp))
                    actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
                if (actual != Sha256)
                    throw new InvalidDataException($"{Entry} from npm package {Package} has SHA-256 {actual}, expected {Sha256}: the package content is not the one this code was written for.");
                File.Move(temp, target, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static Task<string> PackAsync(string folder, string npmCommand, CancellationToken cancellationToken) =>
        NpmPackages.PackAsync(folder, Package, npmCommand, reason =>
            $"The flight data is not in the data folder and '{npmCommand}' could not be started ({reason}). " +
            $"Either put {FlightDelays.FileName} (from {Entry} of the npm package {Package}) into the data folder, " +
            $"or install Node.js with npm so that 'npm pack {Package}' can fetch it.", cancellationToken);

    private static async Task ExtractAsync(string tgz, string target, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(tgz);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (entry.Name != Entry || entry.DataStream is null)
                continue;
            await using var output = File.Create(target);
            await entry.DataStream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            return;
        }
        throw new InvalidDataException($"npm package {Package} has no {Entry}.");
    }
}
