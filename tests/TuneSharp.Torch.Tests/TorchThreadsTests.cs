using static TorchSharp.torch;

namespace TuneSharp.Torch.Tests;

public sealed class TorchThreadsTests
{
    public TorchThreadsTests() => TorchTestSetup.Init();

    [Fact]
    public void Configure_OneCpu_SetsTorchThreadsAndNativeEnvironment()
    {
        TorchThreads.Configure(1);

        Assert.Equal(1, get_num_threads());
        // What libgomp sees: the C library's environment, not only .NET's copy.
        Assert.Equal(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"), NativeEnvironment.Get("OMP_WAIT_POLICY"));
        Assert.NotNull(NativeEnvironment.Get("OMP_WAIT_POLICY"));
        Assert.NotNull(NativeEnvironment.Get("OMP_NUM_THREADS"));
    }

    [Fact]
    public void Configure_ThenNewThread_NewThreadAlsoUsesOneThread()
    {
        TorchThreads.Configure(1);
        int seen = 0;

        var thread = new Thread(() => seen = get_num_threads());
        thread.Start();
        thread.Join();

        Assert.Equal(1, seen);
    }

    [Fact]
    public void NativeEnvironment_Set_IsVisibleToNativeGetenv()
    {
        string name = "TUNESHARP_TEST_" + Guid.NewGuid().ToString("N");

        Assert.Equal("a", NativeEnvironment.Set(name, "a", overwrite: false));
        Assert.Equal("a", NativeEnvironment.Set(name, "b", overwrite: false));
        Assert.Equal("c", NativeEnvironment.Set(name, "c", overwrite: true));
        Assert.Equal("c", NativeEnvironment.Get(name));
        Assert.Equal("c", Environment.GetEnvironmentVariable(name));
    }

    [Fact]
    public void Configure_ZeroCpus_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchThreads.Configure(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchThreads.ConfigureEnvironment(0));
    }
}
