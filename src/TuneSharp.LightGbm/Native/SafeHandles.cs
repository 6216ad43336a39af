using System.Runtime.InteropServices;

namespace TuneSharp.LightGbm.Native;

/// <summary>Owns a LightGBM <c>DatasetHandle</c>; freed with <c>LGBM_DatasetFree</c>.</summary>
internal sealed class DatasetSafeHandle : SafeHandle
{
    public DatasetSafeHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    // IsClosed turns true only here, once the last reference (the owner's or a booster's) is gone.
    protected override bool ReleaseHandle() => NativeMethods.LGBM_DatasetFree(handle) == 0;
}

/// <summary>
/// Owns a LightGBM <c>BoosterHandle</c>; freed with <c>LGBM_BoosterFree</c>. A booster keeps raw
/// pointers to its training and validation datasets, so it holds a reference on their handles and
/// lets them go only after it is freed itself: disposing a dataset before its booster is then safe.
/// </summary>
internal sealed class BoosterSafeHandle : SafeHandle
{
    private readonly List<SafeHandle> _dependencies = [];

    public BoosterSafeHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Keeps <paramref name="dependency"/>'s native object alive until this booster is freed.</summary>
    public void KeepAlive(SafeHandle dependency)
    {
        bool added = false;
        dependency.DangerousAddRef(ref added);
        if (added)
            lock (_dependencies)
                _dependencies.Add(dependency);
    }

    protected override bool ReleaseHandle()
    {
        bool freed = NativeMethods.LGBM_BoosterFree(handle) == 0;
        lock (_dependencies)
        {
            foreach (SafeHandle dependency in _dependencies)
                dependency.DangerousRelease();
            _dependencies.Clear();
        }
        return freed;
    }
}
