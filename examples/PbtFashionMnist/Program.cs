using TuneSharp.Examples.Pbt;

if (PbtOptions.Parse(args, Console.Error) is not { } options)
    return args.Any(a => a is "--help" or "-h" or "-?") ? 0 : 2;
await PbtExperiment.RunAsync(options, Console.Out);
return 0;
