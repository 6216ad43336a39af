using System.Runtime.InteropServices;

namespace TuneSharp.LightGbm.Native;

/// <summary>
/// The part of LightGBM's C API (<c>include/LightGBM/c_api.h</c>, 4.7.0) that TuneSharp uses. Every
/// function returns 0 on success and -1 on failure, with the message in <see cref="LGBM_GetLastError"/>,
/// which LightGBM keeps per thread: read it right after the failing call, on the same thread.
/// </summary>
internal static unsafe class NativeMethods
{
    // The LightGBM NuGet package ships lib_lightgbm.{so,dylib,dll} under runtimes/<rid>/native.
    private const string Lib = "lib_lightgbm";

    public const int DTypeFloat32 = 0;
    public const int DTypeFloat64 = 1;

    [DllImport(Lib)] public static extern IntPtr LGBM_GetLastError();

    [DllImport(Lib)] public static extern int LGBM_DumpParamAliases(long bufferLen, out long outLen, byte* outStr);

    [DllImport(Lib)]
    public static extern int LGBM_DatasetCreateFromMat(float* data, int dataType, int nrow, int ncol, int isRowMajor,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string parameters, DatasetSafeHandle reference, out DatasetSafeHandle outHandle);

    [DllImport(Lib)]
    public static extern int LGBM_DatasetUpdateParamChecking(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string oldParameters, [MarshalAs(UnmanagedType.LPUTF8Str)] string newParameters);

    [DllImport(Lib)]
    public static extern int LGBM_DatasetCreateFromMat(float* data, int dataType, int nrow, int ncol, int isRowMajor,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string parameters, IntPtr reference, out DatasetSafeHandle outHandle);

    [DllImport(Lib)]
    public static extern int LGBM_DatasetSetField(DatasetSafeHandle handle, [MarshalAs(UnmanagedType.LPUTF8Str)] string fieldName,
        void* fieldData, int numElement, int type);

    [DllImport(Lib)] public static extern int LGBM_DatasetSetFeatureNames(DatasetSafeHandle handle, IntPtr* featureNames, int numFeatureNames);
    [DllImport(Lib)] public static extern int LGBM_DatasetFree(IntPtr handle);

    [DllImport(Lib)]
    public static extern int LGBM_BoosterCreate(DatasetSafeHandle trainData, [MarshalAs(UnmanagedType.LPUTF8Str)] string parameters, out BoosterSafeHandle outHandle);

    [DllImport(Lib)]
    public static extern int LGBM_BoosterCreateFromModelfile([MarshalAs(UnmanagedType.LPUTF8Str)] string filename, out int outNumIterations, out BoosterSafeHandle outHandle);

    [DllImport(Lib)]
    public static extern int LGBM_BoosterLoadModelFromString(byte* modelStr, out int outNumIterations, out BoosterSafeHandle outHandle);

    [DllImport(Lib)] public static extern int LGBM_BoosterFree(IntPtr handle);
    [DllImport(Lib)] public static extern int LGBM_BoosterMerge(BoosterSafeHandle handle, BoosterSafeHandle otherHandle);
    [DllImport(Lib)] public static extern int LGBM_BoosterAddValidData(BoosterSafeHandle handle, DatasetSafeHandle validData);
    [DllImport(Lib)] public static extern int LGBM_BoosterGetNumClasses(BoosterSafeHandle handle, out int outLen);
    [DllImport(Lib)] public static extern int LGBM_BoosterGetNumFeature(BoosterSafeHandle handle, out int outLen);
    [DllImport(Lib)] public static extern int LGBM_BoosterUpdateOneIter(BoosterSafeHandle handle, out int producedEmptyTree);
    [DllImport(Lib)] public static extern int LGBM_BoosterGetCurrentIteration(BoosterSafeHandle handle, out int outIteration);
    [DllImport(Lib)] public static extern int LGBM_BoosterGetEvalCounts(BoosterSafeHandle handle, out int outLen);

    [DllImport(Lib)]
    public static extern int LGBM_BoosterGetEvalNames(BoosterSafeHandle handle, int len, out int outLen, nuint bufferLen, out nuint outBufferLen, IntPtr* outStrs);

    [DllImport(Lib)] public static extern int LGBM_BoosterGetEval(BoosterSafeHandle handle, int dataIdx, out int outLen, double* outResults);

    [DllImport(Lib)]
    public static extern int LGBM_BoosterCalcNumPredict(BoosterSafeHandle handle, int numRow, int predictType, int startIteration, int numIteration, out long outLen);

    [DllImport(Lib)]
    public static extern int LGBM_BoosterPredictForMat(BoosterSafeHandle handle, float* data, int dataType, int nrow, int ncol, int isRowMajor,
        int predictType, int startIteration, int numIteration, [MarshalAs(UnmanagedType.LPUTF8Str)] string parameter, out long outLen, double* outResult);

    [DllImport(Lib)]
    public static extern int LGBM_BoosterSaveModel(BoosterSafeHandle handle, int startIteration, int numIteration, int featureImportanceType,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string filename);

    [DllImport(Lib)]
    public static extern int LGBM_BoosterSaveModelToString(BoosterSafeHandle handle, int startIteration, int numIteration, int featureImportanceType,
        long bufferLen, out long outLen, byte* outStr);
}
