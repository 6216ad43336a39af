using System.Runtime.InteropServices;
using TuneSharp.LightGbm.Native;

namespace TuneSharp.LightGbm;

/// <summary>
/// A LightGBM data set (Python's <c>lightgbm.Dataset</c>): features binned by LightGBM, with labels.
/// Build it from a dense row-major matrix; a validation set takes the training set as its
/// <c>reference</c>, so that both share the same bins.
/// </summary>
/// <remarks>
/// The dataset keeps a reference to the feature array (not a copy), as Python's keeps its raw data:
/// training that continues from an earlier model needs the raw features to compute that model's scores.
/// Do not change the array while the dataset is in use.
/// </remarks>
public sealed class Dataset : IDisposable
{
    private readonly DatasetSafeHandle _handle;
    private bool _hasInitScore;

    private Dataset(DatasetSafeHandle handle, ReadOnlyMemory<float> features, int columns, int rows, string parameterString)
    {
        _handle = handle;
        ParameterString = parameterString;
        Features = features;
        NumFeatures = columns;
        NumData = rows;
    }

    /// <summary>The number of rows.</summary>
    public int NumData { get; }

    /// <summary>The number of feature columns.</summary>
    public int NumFeatures { get; }

    /// <summary>The raw features, row-major (<see cref="NumData"/> × <see cref="NumFeatures"/>).</summary>
    public ReadOnlyMemory<float> Features { get; }

    internal DatasetSafeHandle Handle => _handle;

    /// <summary>The parameters the data was binned with.</summary>
    internal string ParameterString { get; }

    /// <summary>Fails when <paramref name="training"/> changes a parameter fixed when the data was binned (<c>max_bin</c>,
    /// <c>min_data_in_bin</c>, <c>categorical_feature</c>, …), which LightGBM would otherwise ignore without a word; as
    /// Python's <c>lightgbm.train</c> does (<c>LGBM_DatasetUpdateParamChecking</c>).</summary>
    internal void CheckTrainingParameters(string training) =>
        LightGbmException.ThrowIfFailed(NativeMethods.LGBM_DatasetUpdateParamChecking(ParameterString, training),
            "LGBM_DatasetUpdateParamChecking", training);

    /// <summary>
    /// A dataset from a dense row-major float matrix (<c>LGBM_DatasetCreateFromMat</c>) and one label per row.
    /// </summary>
    /// <param name="features">Row-major features, <c>labels.Length × columns</c> values; NaN is a missing value.</param>
    /// <param name="columns">The number of feature columns.</param>
    /// <param name="labels">One label per row (0/1 for <c>binary</c>).</param>
    /// <param name="reference">The training set, when this is a validation set: its bins are reused.</param>
    /// <param name="categoricalFeatures">Indices of columns holding non-negative integer category codes.</param>
    /// <param name="featureNames">Names of the columns, stored in saved models.</param>
    /// <param name="parameters">Dataset parameters such as <c>max_bin</c>; the defaults use one thread.</param>
    /// <exception cref="LightGbmException">LightGBM rejected the data or a parameter.</exception>
    public static unsafe Dataset FromDense(ReadOnlyMemory<float> features, int columns, ReadOnlySpan<float> labels,
        Dataset? reference = null, IReadOnlyList<int>? categoricalFeatures = null, IReadOnlyList<string>? featureNames = null,
        LightGbmParameters? parameters = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        int rows = labels.Length;
        ArgumentOutOfRangeException.ThrowIfZero(rows, nameof(labels));
        if (features.Length != (long)rows * columns)
            throw new ArgumentException($"features holds {features.Length} values; {rows} labels × {columns} columns need {(long)rows * columns}.", nameof(features));
        if (reference is not null && reference.NumFeatures != columns)
            throw new ArgumentException($"The reference dataset has {reference.NumFeatures} columns, this one {columns}.", nameof(reference));
        if (featureNames is not null && featureNames.Count != columns)
            throw new ArgumentException($"{featureNames.Count} feature names for {columns} columns.", nameof(featureNames));

        var p = parameters?.Clone() ?? new LightGbmParameters();
        if (categoricalFeatures is { Count: > 0 })
        {
            if (categoricalFeatures.FirstOrDefault(c => c < 0 || c >= columns, -1) is var bad and >= 0)
                throw new ArgumentOutOfRangeException(nameof(categoricalFeatures), $"Categorical feature index {bad} is outside 0..{columns - 1}.");
            p["categorical_feature"] = categoricalFeatures;
        }
        string parameterString = p.ToString();

        DatasetSafeHandle handle;
        int result;
        fixed (float* data = features.Span)
        {
            result = reference is null
                ? NativeMethods.LGBM_DatasetCreateFromMat(data, NativeMethods.DTypeFloat32, rows, columns, 1, parameterString, IntPtr.Zero, out handle)
                : NativeMethods.LGBM_DatasetCreateFromMat(data, NativeMethods.DTypeFloat32, rows, columns, 1, parameterString, reference._handle, out handle);
        }
        LightGbmException.ThrowIfFailed(result, "LGBM_DatasetCreateFromMat", parameterString);
        var dataset = new Dataset(handle, features, columns, rows, parameterString);
        try
        {
            dataset.SetField("label", labels);
            if (featureNames is not null)
                dataset.SetFeatureNames(featureNames);
        }
        catch
        {
            dataset.Dispose();
            throw;
        }
        return dataset;
    }

    /// <summary>Sets the scores boosting starts from, one per row and class, class-major
    /// (<c>init_score</c>); an empty span clears them.</summary>
    internal unsafe void SetInitScore(ReadOnlySpan<double> scores)
    {
        if (scores.IsEmpty && !_hasInitScore)
            return;
        fixed (double* p = scores)
            LightGbmException.ThrowIfFailed(
                NativeMethods.LGBM_DatasetSetField(_handle, "init_score", scores.IsEmpty ? null : p, scores.Length, NativeMethods.DTypeFloat64),
                "LGBM_DatasetSetField(init_score)");
        _hasInitScore = !scores.IsEmpty;
    }

    private unsafe void SetField(string name, ReadOnlySpan<float> values)
    {
        fixed (float* p = values)
            LightGbmException.ThrowIfFailed(
                NativeMethods.LGBM_DatasetSetField(_handle, name, p, values.Length, NativeMethods.DTypeFloat32),
                $"LGBM_DatasetSetField({name})");
    }

    private unsafe void SetFeatureNames(IReadOnlyList<string> names)
    {
        var pointers = names.Select(n => Marshal.StringToCoTaskMemUTF8(n)).ToArray();
        try
        {
            fixed (IntPtr* p = pointers)
                LightGbmException.ThrowIfFailed(NativeMethods.LGBM_DatasetSetFeatureNames(_handle, p, pointers.Length), "LGBM_DatasetSetFeatureNames");
        }
        finally
        {
            foreach (IntPtr pointer in pointers)
                Marshal.FreeCoTaskMem(pointer);
        }
    }

    /// <summary>Frees the native dataset once no booster uses it any more.</summary>
    public void Dispose() => _handle.Dispose();
}
