using Microsoft.Data.Analysis;

namespace TuneSharp.Results;

/// <summary>Builds <see cref="DataFrame"/>s from flat rows: integer, double, boolean or string columns.</summary>
internal static class DataFrames
{
    public static DataFrame FromRows(IReadOnlyList<IReadOnlyDictionary<string, object?>> rows)
    {
        var columns = new List<string>();
        var seen = new HashSet<string>();
        foreach (var row in rows)
            foreach (string key in row.Keys)
                if (seen.Add(key))
                    columns.Add(key);
        return new DataFrame(columns.Select(name => Column(name, rows.Select(r => r.GetValueOrDefault(name)).ToList())));
    }

    private static DataFrameColumn Column(string name, List<object?> values)
    {
        var present = values.Where(v => v is not null).ToList();
        if (present.Count > 0 && present.All(v => v is bool))
            return new BooleanDataFrameColumn(name, values.Select(v => (bool?)v));
        if (present.Count > 0 && present.All(v => v is int or long or short or byte))
            return new Int64DataFrameColumn(name, values.Select(v => v is null ? (long?)null : Convert.ToInt64(v)));
        if (present.Count > 0 && present.All(v => v is not bool && JsonValues.TryGetDouble(v, out _)))
            return new DoubleDataFrameColumn(name, values.Select(v => v is null ? (double?)null : JsonValues.TryGetDouble(v, out double d) ? d : null));
        return new StringDataFrameColumn(name, values.Select(v => v switch
        {
            null => null,
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            string text => text,
            // A list (a config of layer sizes, a per-class metric) as its JSON, as progress.csv holds it, not its type name.
            System.Collections.IEnumerable => System.Text.Json.JsonSerializer.Serialize(v, JsonDefaults.Options),
            _ => v.ToString(),
        }));
    }
}
