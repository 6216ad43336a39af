namespace TuneSharp.Bench;

/// <summary>One benchmark, run as <c>TuneSharp.Bench &lt;name&gt; [options]</c>. It prints exactly one JSON
/// line on standard output (so scripts can collect results) and any diagnostics on standard error.</summary>
internal interface IBenchCommand
{
    /// <summary>The subcommand name, e.g. <c>overhead</c>.</summary>
    string Name { get; }

    /// <summary>One line for the usage text.</summary>
    string Summary { get; }

    /// <summary>The options the command accepts; anything else is an argument error.</summary>
    IReadOnlyList<BenchOption> Options { get; }

    /// <summary>Runs the benchmark and returns the process exit code.</summary>
    Task<int> RunAsync(BenchArgs args);
}

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
}

internal static class Usage
{
    public static string Text(IEnumerable<IBenchCommand> commands)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("Usage: dotnet run -c Release --project bench/TuneSharp.Bench -- <benchmark> [options]");
        foreach (IBenchCommand command in commands)
        {
            text.AppendLine();
            text.AppendLine($"  {command.Name}: {command.Summary}");
            foreach (BenchOption option in command.Options)
                text.AppendLine($"    {option.Usage,-22} {option.Help}");
        }
        return text.ToString();
    }
}
