using TuneSharp.Examples;

if (FlightDelayOptions.Parse(args, Console.Error) is not { } options)
    return args.Any(a => a is "--help" or "-h" or "-?") ? 0 : 2;
await FlightDelayExperiment.RunAsync(options, Console.Out);
return 0;
