namespace TuneSharp.LightGbm.Tests;

/// <summary>A small seeded binary problem: two numeric features, one categorical, one noise column.</summary>
internal sealed record TestData(float[] Features, float[] Labels)
{
    public const int Columns = 4;
    public const int CategoryColumn = 2;

    public int Rows => Labels.Length;

    /// <summary>Label 1 when x0 + x1/2 + (category in {1, 3}) + noise is large; the category is
    /// unordered on purpose, so that only a categorical split captures it in one cut.</summary>
    public static TestData Generate(int rows, int seed)
    {
        var random = new Random(seed);
        var features = new float[rows * Columns];
        var labels = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            float x0 = (float)random.NextDouble(), x1 = (float)random.NextDouble();
            int category = random.Next(5);
            float noise = (float)random.NextDouble();
            features[i * Columns] = x0;
            features[i * Columns + 1] = x1;
            features[i * Columns + 2] = category;
            features[i * Columns + 3] = noise;
            double score = x0 + 0.5 * x1 + (category is 1 or 3 ? 0.6 : 0) + 0.4 * (random.NextDouble() - 0.5);
            labels[i] = score > 1.05 ? 1 : 0;
        }
        return new TestData(features, labels);
    }

    /// <summary>Binned with <paramref name="parameters"/>, by default <see cref="BinaryParameters"/>: the parameters a
    /// dataset is binned with must agree with those it is trained with (min_data_in_leaf, for one).</summary>
    public Dataset ToDataset(Dataset? reference = null, LightGbmParameters? parameters = null) =>
        Dataset.FromDense(Features, Columns, Labels, reference, categoricalFeatures: [CategoryColumn],
            featureNames: ["x0", "x1", "category", "noise"], parameters: parameters ?? BinaryParameters());

    public static LightGbmParameters BinaryParameters() => new()
    {
        Objective = "binary",
        Metrics = ["binary_logloss", "binary_error"],
        NumLeaves = 7,
        ["min_data_in_leaf"] = 5,
    };
}
