using System.Runtime.InteropServices;
using System.Text;
using TuneSharp.LightGbm.Native;

namespace TuneSharp.LightGbm;

/// <summary>What <see cref="Booster.Predict"/> returns (LightGBM's <c>C_API_PREDICT_*</c>).</summary>
public enum PredictionKind
{
    /// <summary>Transformed scores: probabilities for <c>binary</c>.</summary>
    Normal = 0,
    /// <summary>Raw scores (log-odds for <c>binary</c>).</summary>
    RawScore = 1,
}

/// <summary>
/// A LightGBM model (Python's <c>lightgbm.Booster</c>): trained round by round from a <see cref="Dataset"/>,
/// or loaded from a saved model. Not thread-safe: one booster is used by one thread at a time.
/// </summary>
public sealed class Booster : IDisposable
{
    private readonly BoosterSafeHandle _handle;
    private readonly string? _parameters;

    private Booster(BoosterSafeHandle handle, string? parameters)
    {
        _handle = handle;
        _parameters = parameters;
    }

    internal BoosterSafeHandle Handle => _handle;

    /// <summary>A booster that trains on <paramref name="train"/> (<c>LGBM_BoosterCreate</c>).</summary>
    /// <exception cref="LightGbmException">LightGBM rejected a parameter; the message is LightGBM's.</exception>
    public static Booster Create(LightGbmParameters parameters, Dataset train)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(train);
        string text = parameters.ToString();
        int result = NativeMethods.LGBM_BoosterCreate(train.Handle, text, out BoosterSafeHandle handle);
        LightGbmException.ThrowIfFailed(result, "LGBM_BoosterCreate", text);
        handle.KeepAlive(train.Handle);
        return new Booster(handle, text);
    }

    /// <summary>A model saved by <see cref="SaveToString"/> (<c>LGBM_BoosterLoadModelFromString</c>).</summary>
    public static unsafe Booster FromString(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        byte[] utf8 = Encoding.UTF8.GetBytes(model + "\0");
        int result;
        BoosterSafeHandle handle;
        fixed (byte* p = utf8)
            result = NativeMethods.LGBM_BoosterLoadModelFromString(p, out _, out handle);
        LightGbmException.ThrowIfFailed(result, "LGBM_BoosterLoadModelFromString");
        return new Booster(handle, null);
    }

    /// <summary>A model saved by <see cref="SaveToFile"/> (<c>LGBM_BoosterCreateFromModelfile</c>).</summary>
    public static Booster FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        int result = NativeMethods.LGBM_BoosterCreateFromModelfile(path, out _, out BoosterSafeHandle handle);
        LightGbmException.ThrowIfFailed(result, "LGBM_BoosterCreateFromModelfile", $"filename={path}");
        return new Booster(handle, null);
    }

    /// <summary>Boosting rounds in the model, including those of a model training continued from.</summary>
    public int CurrentIteration => GetInt(NativeMethods.LGBM_BoosterGetCurrentIteration, "LGBM_BoosterGetCurrentIteration");

    /// <summary>Classes the model scores (1 for binary and regression).</summary>
    public int NumClasses => GetInt(NativeMethods.LGBM_BoosterGetNumClasses, "LGBM_BoosterGetNumClasses");

    /// <summary>Feature columns the model expects.</summary>
    public int NumFeatures => GetInt(NativeMethods.LGBM_BoosterGetNumFeature, "LGBM_BoosterGetNumFeature");

    /// <summary>Adds a validation set (<c>LGBM_BoosterAddValidData</c>); its evaluation index is the number of sets added so far.</summary>
    public void AddValidData(Dataset valid)
    {
        ArgumentNullException.ThrowIfNull(valid);
        LightGbmException.ThrowIfFailed(NativeMethods.LGBM_BoosterAddValidData(_handle, valid.Handle), "LGBM_BoosterAddValidData", _parameters);
        _handle.KeepAlive(valid.Handle);
    }

    /// <summary>Boosts one round (<c>LGBM_BoosterUpdateOneIter</c>); returns true when LightGBM found no split to make: it
    /// then added no tree (after the first round it removes the round's empty trees), so <see cref="CurrentIteration"/>
    /// does not advance.</summary>
    public bool UpdateOneIter()
    {
        LightGbmException.ThrowIfFailed(NativeMethods.LGBM_BoosterUpdateOneIter(_handle, out int empty), "LGBM_BoosterUpdateOneIter", _parameters);
        return empty != 0;
    }

    /// <summary>The names of the evaluated metrics, in the order of <see cref="GetEval"/>'s values.</summary>
    public unsafe IReadOnlyList<string> GetEvalNames()
    {
        int count = GetInt(NativeMethods.LGBM_BoosterGetEvalCounts, "LGBM_BoosterGetEvalCounts");
        if (count == 0)
            return [];
        nuint size = 128;
        while (true)
        {
            var buffers = new IntPtr[count];
            try
            {
                for (int i = 0; i < count; i++)
                    buffers[i] = Marshal.AllocHGlobal((nint)size);
                int result;
                nuint needed;
                fixed (IntPtr* p = buffers)
                    result = NativeMethods.LGBM_BoosterGetEvalNames(_handle, count, out _, size, out needed, p);
                LightGbmException.ThrowIfFailed(result, "LGBM_BoosterGetEvalNames");
                if (needed <= size)
                    return buffers.Select(b => Marshal.PtrToStringUTF8(b)!).ToArray();
                size = needed;
            }
            finally
            {
                foreach (IntPtr buffer in buffers)
                    Marshal.FreeHGlobal(buffer);
            }
        }
    }

    /// <summary>The metric values on a data set (<c>LGBM_BoosterGetEval</c>): 0 is the training set, 1 the first validation set.</summary>
    public unsafe double[] GetEval(int dataIndex)
    {
        int count = GetInt(NativeMethods.LGBM_BoosterGetEvalCounts, "LGBM_BoosterGetEvalCounts");
        var values = new double[count];
        int length;
        fixed (double* p = values)
            LightGbmException.ThrowIfFailed(NativeMethods.LGBM_BoosterGetEval(_handle, dataIndex, out length, p), "LGBM_BoosterGetEval", $"data_idx={dataIndex}");
        return length == count ? values : values[..length];
    }

    /// <summary>
    /// Scores rows (<c>LGBM_BoosterPredictForMat</c>): one value per row and class, row by row.
    /// </summary>
    /// <param name="features">Row-major features with <paramref name="columns"/> per row.</param>
    /// <param name="columns">Columns per row; the model's <see cref="NumFeatures"/>.</param>
    /// <param name="kind">Probabilities or raw scores.</param>
    /// <param name="numIterations">Use the first this many rounds; ≤ 0 uses all.</param>
    /// <param name="numThreads">OpenMP threads for the prediction (LightGBM's thread count is process-wide: this also sets
    /// it for boosters training at the same time).</param>
    public unsafe double[] Predict(ReadOnlySpan<float> features, int columns, PredictionKind kind = PredictionKind.Normal, int numIterations = 0, int numThreads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (features.Length % columns != 0)
            throw new ArgumentException($"features holds {features.Length} values, not a multiple of {columns} columns.", nameof(features));
        int rows = features.Length / columns;
        if (rows == 0)
            return [];
        LightGbmException.ThrowIfFailed(
            NativeMethods.LGBM_BoosterCalcNumPredict(_handle, rows, (int)kind, 0, numIterations, out long expected), "LGBM_BoosterCalcNumPredict");
        var output = new double[expected];
        string parameter = $"num_threads={numThreads}";
        int result;
        long written;
        fixed (float* data = features)
        fixed (double* p = output)
            result = NativeMethods.LGBM_BoosterPredictForMat(_handle, data, NativeMethods.DTypeFloat32, rows, columns, 1, (int)kind, 0, numIterations, parameter, out written, p);
        LightGbmException.ThrowIfFailed(result, "LGBM_BoosterPredictForMat", parameter);
        return written == expected ? output : output[..(int)written];
    }

    /// <summary>The model as LightGBM's text format (<c>LGBM_BoosterSaveModelToString</c>).</summary>
    public unsafe string SaveToString()
    {
        long length;
        LightGbmException.ThrowIfFailed(NativeMethods.LGBM_BoosterSaveModelToString(_handle, 0, -1, 0, 0, out length, null), "LGBM_BoosterSaveModelToString");
        var buffer = new byte[length];
        fixed (byte* p = buffer)
            LightGbmException.ThrowIfFailed(NativeMethods.LGBM_BoosterSaveModelToString(_handle, 0, -1, 0, buffer.Length, out length, p), "LGBM_BoosterSaveModelToString");
        // length counts the terminating NUL.
        return Encoding.UTF8.GetString(buffer, 0, (int)Math.Max(0, Math.Min(length, buffer.Length) - 1));
    }

    /// <summary>Writes the model to <paramref name="path"/> in LightGBM's text format (<c>LGBM_BoosterSaveModel</c>).</summary>
    public void SaveToFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        LightGbmException.ThrowIfFailed(NativeMethods.LGBM_BoosterSaveModel(_handle, 0, -1, 0, path), "LGBM_BoosterSaveModel", $"filename={path}");
    }

    /// <summary>Puts <paramref name="initModel"/>'s trees in front of this booster's (<c>LGBM_BoosterMerge</c>),
    /// as Python's Booster does with an <c>init_model</c>.</summary>
    internal void MergeFrom(Booster initModel) =>
        LightGbmException.ThrowIfFailed(NativeMethods.LGBM_BoosterMerge(_handle, initModel._handle), "LGBM_BoosterMerge");

    /// <summary>Frees the native model; datasets it trained on are freed once they are disposed too.</summary>
    public void Dispose() => _handle.Dispose();

    private delegate int IntGetter(BoosterSafeHandle handle, out int value);

    private int GetInt(IntGetter getter, string call)
    {
        LightGbmException.ThrowIfFailed(getter(_handle, out int value), call);
        return value;
    }
}
