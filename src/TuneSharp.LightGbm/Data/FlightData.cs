namespace TuneSharp.LightGbm.Data;

/// <summary>
/// Flights as a LightGBM-ready matrix: one row per flight with the features <see cref="FeatureNames"/>
/// (row-major floats) and the label 1 when the flight was delayed by more than 10 minutes.
/// </summary>
public sealed class FlightData
{
    /// <summary>Feature columns per row.</summary>
    public const int Columns = 7;

    /// <summary>The features, in column order. <c>day_of_week</c> is 0 for Sunday; <c>hour</c> is the
    /// scheduled local departure hour; <c>origin</c> and <c>destination</c> are codes into <see cref="Airports"/>.</summary>
    public static IReadOnlyList<string> FeatureNames { get; } =
        ["month", "day_of_month", "day_of_week", "hour", "origin", "destination", "distance"];

    /// <summary>The columns holding category codes (origin, destination).</summary>
    public static IReadOnlyList<int> CategoricalFeatures { get; } = [4, 5];

    internal FlightData(float[] features, float[] labels, IReadOnlyList<string> airports)
    {
        Features = features;
        Labels = labels;
        Airports = airports;
    }

    /// <summary>Row-major features, <see cref="Rows"/> × <see cref="Columns"/>.</summary>
    public ReadOnlyMemory<float> Features { get; }

    /// <summary>1 when the flight was delayed by more than 10 minutes, else 0.</summary>
    public ReadOnlyMemory<float> Labels { get; }

    /// <summary>The number of flights.</summary>
    public int Rows => Labels.Length;

    /// <summary>Airport codes (IATA) by category code, the same table for origin and destination and for every sample.</summary>
    public IReadOnlyList<string> Airports { get; }

    /// <summary>The share of delayed flights.</summary>
    public double DelayedFraction
    {
        get
        {
            double sum = 0;
            foreach (float label in Labels.Span)
                sum += label;
            return Rows == 0 ? 0 : sum / Rows;
        }
    }

    /// <summary>Splits the rows at random (scikit-learn's <c>train_test_split</c>): a seeded shuffle, then
    /// the last <paramref name="testFraction"/> of it (rounded up) is the test set.</summary>
    public (FlightData Train, FlightData Test) TrainTestSplit(double testFraction, int seed)
    {
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Use a fraction strictly between 0 and 1.");
        int[] order = Enumerable.Range(0, Rows).ToArray();
        new Random(seed).Shuffle(order);
        int test = (int)Math.Ceiling(Rows * testFraction);
        if (test >= Rows)
            throw new ArgumentException($"{Rows} rows leave none for training with a test fraction of {testFraction}.", nameof(testFraction));
        return (Select(order.AsSpan(0, Rows - test)), Select(order.AsSpan(Rows - test)));
    }

    internal FlightData Select(ReadOnlySpan<int> rows)
    {
        var features = new float[rows.Length * Columns];
        var labels = new float[rows.Length];
        ReadOnlySpan<float> sourceFeatures = Features.Span, sourceLabels = Labels.Span;
        for (int i = 0; i < rows.Length; i++)
        {
            sourceFeatures.Slice(rows[i] * Columns, Columns).CopyTo(features.AsSpan(i * Columns));
            labels[i] = sourceLabels[rows[i]];
        }
        return new FlightData(features, labels, Airports);
    }
}
