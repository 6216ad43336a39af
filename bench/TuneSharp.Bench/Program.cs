using TuneSharp.Bench;
using TuneSharp.Bench.Commands;
using TuneSharp.Bench.Schedulers;
using TuneSharp.Bench.Search;

// One IBenchCommand per benchmark (a file in Commands/, or a folder of its own such as Search/); add a
// benchmark by writing one and listing it here.
IBenchCommand[] commands =
[
    new OverheadCommand(),
    new SearchCommand(),
    new SchedulersCommand(),
];

if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
{
    Console.Out.Write(Usage.Text(commands));
    return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
}

IBenchCommand? command = commands.FirstOrDefault(c => c.Name == args[0]);
if (command is null)
{
    Console.Error.WriteLine($"Unknown benchmark '{args[0]}'. Use one of: {string.Join(", ", commands.Select(c => c.Name))} " +
        "(run with 'help' for their options).");
    return ExitCodes.Usage;
}

try
{
    var options = BenchArgs.Parse(args.AsSpan(1), command.Options);
    return await command.RunAsync(options).ConfigureAwait(false);
}
catch (BenchArgumentException e)
{
    Console.Error.WriteLine($"{command.Name}: {e.Message}");
    Console.Error.WriteLine();
    Console.Error.Write(Usage.Text([command]));
    return ExitCodes.Usage;
}
