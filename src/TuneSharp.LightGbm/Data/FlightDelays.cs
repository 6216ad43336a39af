namespace TuneSharp.LightGbm.Data;

/// <summary>
/// The seed's flight-delay problem on real data a package ships: 3,000,000 US flights of January to June
/// 2001 from <c>flights-3m.parquet</c> of the npm package <c>vega-datasets@3.2.1</c> (date, delay, distance,
/// origin, destination), with the label <c>delay &gt; 10</c> minutes (25.5 % of flights).
/// </summary>
/// <remarks>
/// A data folder that holds <see cref="FileName"/> is used as is; otherwise the file is fetched once with the
/// <c>npm</c> client, checked against its recorded SHA-256 and cached there; a lock file keeps two processes
/// from fetching at once. The file is sorted by date (its first 200,000 rows cover only 1–13 January, with
/// 30 % delayed), so a smaller data set is a seeded random sample of all rows, never the first rows.
/// </remarks>
public static class FlightDelays
{
    /// <summary>The npm package the file comes from.</summary>
    public const string Package = VegaDatasetsNpm.Package;

    /// <summary>The cached file's name.</summary>
    public const string FileName = "flights-3m.parquet";

    /// <summary>
    /// A default data folder: <c>$TUNESHARP_DATA/flights</c> when that variable is set, else <c>flights</c>
    /// under the user's cache folder (<c>$XDG_CACHE_HOME/tunesharp</c> or <c>~/.cache/tunesharp</c>).
    /// </summary>
    public static string DefaultDataDir => TuneSharp.Data.NpmPackages.DefaultDataDir("flights");

    /// <summary>Loads the flights: all of them in file order, or a seeded random sample of <paramref name="rows"/>.</summary>
    /// <param name="dataDir">The data folder; null for <see cref="DefaultDataDir"/>.</param>
    /// <param name="rows">How many flights to sample, or null for all.</param>
    /// <param name="seed">Seed of the sample.</param>
    /// <param name="cancellationToken">Cancels the fetch and the read.</param>
    /// <exception cref="FileNotFoundException">The file is not in the folder and npm cannot be run.</exception>
    public static Task<FlightData> LoadAsync(string? dataDir = null, int? rows = null, int seed = 0, CancellationToken cancellationToken = default) =>
        LoadAsync(dataDir ?? DefaultDataDir, rows, seed, "npm", cancellationToken);

    internal static async Task<FlightData> LoadAsync(string dataDir, int? rows, int seed, string npmCommand, CancellationToken cancellationToken)
    {
        if (rows is <= 0)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "Use a positive number of rows, or null for all.");
        string path = await EnsureFileAsync(dataDir, npmCommand, cancellationToken).ConfigureAwait(false);
        return await FlightParquet.ReadAsync(path, rows, seed, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> EnsureFileAsync(string dataDir, string npmCommand, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDir);
        string path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
            return path;
        Directory.CreateDirectory(dataDir);
        using (await AcquireLockAsync(Path.Combine(dataDir, ".flights.lock"), cancellationToken).ConfigureAwait(false))
        {
            if (!File.Exists(path))
                await VegaDatasetsNpm.FetchAsync(path, npmCommand, cancellationToken).ConfigureAwait(false);
        }
        return path;
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        // FileShare.None takes an advisory flock on Unix; the OS drops it if the process dies.
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
