using System.Runtime.Versioning;

// libtorch-cpu-linux-x64 is the only native package referenced: these tests run on Linux only.
[assembly: SupportedOSPlatform("linux")]
