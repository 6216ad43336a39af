using Parquet;

namespace TuneSharp.LightGbm.Data;

/// <summary>Reads <c>flights-3m.parquet</c> (ZSTD, 11 row groups) row group by row group into a <see cref="FlightData"/>.</summary>
internal static class FlightParquet
{
    private static readonly string[] Fields = ["date", "delay", "distance", "origin", "destination"];

    public static async Task<FlightData> ReadAsync(string path, int? rows, int seed, CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        var fields = Fields.Select(name => reader.Schema.DataFields.FirstOrDefault(f => f.Name == name)
            ?? throw new InvalidDataException($"{path} has no column '{name}'; its columns are {string.Join(", ", reader.Schema.DataFields.Select(f => f.Name))}.")).ToArray();
        long total = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
            total += reader.OpenRowGroupReader(g).RowCount;
        int[] slotOf = Slots((int)total, rows, seed, out int count);

        var features = new float[count * FlightData.Columns];
        var labels = new float[count];
        var airports = new Dictionary<string, int>(StringComparer.Ordinal);
        long first = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = checked((int)group.RowCount);
            var date = new DateTime?[n];
            var delay = new long?[n];
            var distance = new long?[n];
            var origin = new string?[n];
            var destination = new string?[n];
            await group.ReadAsync(fields[0], date.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            await group.ReadAsync(fields[1], delay.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            await group.ReadAsync(fields[2], distance.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            await group.ReadAsync(fields[3], origin.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            await group.ReadAsync(fields[4], destination.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < n; i++)
            {
                // Every row's airports get a code, sampled or not, so that codes do not depend on the sample.
                int o = Code(airports, origin[i], path, first + i), d = Code(airports, destination[i], path, first + i);
                int slot = slotOf[first + i];
                if (slot < 0)
                    continue;
                // Parquet.Net returns the stored wall-clock time (the local time of departure) whatever the machine's time zone.
                DateTime when = date[i] ?? throw Missing(path, "date", first + i);
                Span<float> row = features.AsSpan(slot * FlightData.Columns, FlightData.Columns);
                row[0] = when.Month;
                row[1] = when.Day;
                row[2] = (int)when.DayOfWeek;
                row[3] = when.Hour;
                row[4] = o;
                row[5] = d;
                row[6] = distance[i] ?? throw Missing(path, "distance", first + i);
                labels[slot] = (delay[i] ?? throw Missing(path, "delay", first + i)) > 10 ? 1 : 0;
            }
            first += n;
        }
        return new FlightData(features, labels, Renumber(airports, features));
    }

    /// <summary>For each row of the file, where it goes in the result, or -1 when it is not sampled.</summary>
    private static int[] Slots(int total, int? rows, int seed, out int count)
    {
        if (rows is null || rows >= total)
        {
            count = total;
            return Enumerable.Range(0, total).ToArray();
        }
        int[] order = Enumerable.Range(0, total).ToArray();
        new Random(seed).Shuffle(order);
        var slotOf = new int[total];
        Array.Fill(slotOf, -1);
        for (int slot = 0; slot < rows.Value; slot++)
            slotOf[order[slot]] = slot;
        count = rows.Value;
        return slotOf;
    }

    private static int Code(Dictionary<string, int> airports, string? airport, string path, long row)
    {
        if (airport is null)
            throw Missing(path, "origin/destination", row);
        if (!airports.TryGetValue(airport, out int code))
            airports[airport] = code = airports.Count;
        return code;
    }

    /// <summary>Codes in order of first appearance become codes in alphabetical order.</summary>
    private static string[] Renumber(Dictionary<string, int> airports, float[] features)
    {
        string[] sorted = airports.Keys.Order(StringComparer.Ordinal).ToArray();
        var newCode = new float[airports.Count];
        for (int i = 0; i < sorted.Length; i++)
            newCode[airports[sorted[i]]] = i;
        for (int r = 0; r < features.Length; r += FlightData.Columns)
        {
            features[r + 4] = newCode[(int)features[r + 4]];
            features[r + 5] = newCode[(int)features[r + 5]];
        }
        return sorted;
    }

    private static InvalidDataException Missing(string path, string column, long row) =>
        new($"{path}: row {row} has no {column}.");
}
