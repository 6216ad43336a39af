using System.Diagnostics;
using System.Text.Json;

namespace TuneSharp.Bench;

/// <summary>The one JSON line a benchmark prints, with its fields in the order given.</summary>
internal static class BenchOutput
{
    public static void WriteLine(params (string Name, object Value)[] fields)
    {
        using var stream = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                writer.WritePropertyName(name);
                switch (value)
                {
                    case string s: writer.WriteStringValue(s); break;
                    case bool b: writer.WriteBooleanValue(b); break;
                    case int i: writer.WriteNumberValue(i); break;
                    case long l: writer.WriteNumberValue(l); break;
                    case double d: writer.WriteNumberValue(d); break;
                    default: throw new ArgumentException($"Field '{name}' has unsupported type {value.GetType().Name}.");
                }
            }
            writer.WriteEndObject();
        }
        stream.Write("\n"u8);
    }

    /// <summary>The process's peak working set (on Linux the kernel's VmHWM high-water mark), in MiB.</summary>
    public static double PeakWorkingSetMb()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return Math.Round(process.PeakWorkingSet64 / (1024.0 * 1024.0), 1);
    }
}
