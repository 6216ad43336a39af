using System.Diagnostics;
using TuneSharp.Search;

namespace TuneSharp.Bench.Search;

/// <summary>
/// A searcher's own cost: microseconds per suggestion with 100, 1,000 and 5,000 completed trials on the
/// Hartmann6 space, driving the searcher directly (no Tuner). The completed trials are given as warm-start
/// rewards; each timed suggestion is then completed as errored, which the searcher ignores, so the model keeps
/// exactly N observations while it is timed (except the GP's: see Suggest). The figure is the thread's CPU time (Linux), which other processes
/// on a busy machine do not inflate as they do wall-clock time; the wall-clock figure is printed beside it.
/// </summary>
internal static class SearchOverhead
{

    public static void Run(SearcherFactory factory)
    {
        string searcherName = factory.Name;
        var space = new SearchSpace();
        for (int i = 1; i <= 6; i++)
            space.Add($"x{i}", Tune.Uniform(0, 1));
        TestFunction hartmann6 = TestFunctions.All["hartmann6"];
        // A GP suggestion costs tens of milliseconds (and its goal is stated at 200 trials): fewer timed, 200 added.
        bool gp = searcherName == "bayesopt";
        int timed = gp ? 20 : 400;
        // The GP refits and CMA-ES updates its distribution only on real results, so their timed trials report values.
        bool tellsValues = gp || searcherName == "cmaes";
        foreach (int completed in gp ? new[] { 100, 200, 1_000, 5_000 } : new[] { 100, 1_000, 5_000 })
        {
            var random = new Random(completed);
            var points = new List<IReadOnlyDictionary<string, object?>>();
            var rewards = new List<double>();
            for (int t = 0; t < completed; t++)
            {
                double[] x = Enumerable.Range(0, 6).Select(_ => random.NextDouble()).ToArray();
                points.Add(Enumerable.Range(0, 6).ToDictionary(i => $"x{i + 1}", i => (object?)x[i]));
                rewards.Add(hartmann6.Evaluate(x));
            }
            ISearcher searcher = searcherName == "random" ? factory.Create()
                : factory.Create(("PointsToEvaluate", points), ("EvaluatedRewards", rewards));
            searcher.Setup(new SearcherSetup(space, "value", Mode.Min, -1, 0));
            for (int i = 0; i < (gp ? 3 : 20); i++) // warm up the JIT and the buffers
                Suggest(searcher, $"w{i}", tellsValues ? hartmann6 : null);
            long elapsed = 0;
            double cpuStart = ThreadCpuSeconds();
            for (int i = 0; i < timed; i++)
                elapsed += Suggest(searcher, $"t{i}", tellsValues ? hartmann6 : null);
            double cpu = (ThreadCpuSeconds() - cpuStart) * 1e6 / timed;
            double wall = elapsed * 1e6 / Stopwatch.Frequency / timed;
            BenchOutput.WriteLine(("bench", "search_overhead"), ("searcher", searcherName), ("space", "hartmann6"),
                ("completed", completed), ("us_per_suggestion", Math.Round(double.IsNaN(cpu) ? wall : cpu, 1)), ("wall_us", Math.Round(wall, 1)));
        }
    }

    // With `objective`, the trial completes with its value, so the timed suggestions include the model's updates.
    private static long Suggest(ISearcher searcher, string id, TestFunction? objective)
    {
        long start = Stopwatch.GetTimestamp();
        Suggestion suggestion = searcher.Suggest(id);
        long ticks = Stopwatch.GetTimestamp() - start;
        if (suggestion.Kind != SuggestionKind.Config)
            throw new InvalidOperationException($"The searcher answered {suggestion.Kind} instead of a config.");
        if (objective is null)
            searcher.OnTrialComplete(id, null, error: true);
        else
            searcher.OnTrialComplete(id, new Dictionary<string, object?>
            {
                ["value"] = objective.Evaluate(Enumerable.Range(1, 6).Select(i => suggestion.Config!.Get<double>($"x{i}")).ToArray()),
            }, error: false);
        return ticks;
    }

    // The calling thread's CPU time from the Linux scheduler (/proc/thread-self/schedstat, nanoseconds on the CPU);
    // NaN elsewhere, and then wall-clock time is reported.
    private static double ThreadCpuSeconds()
    {
        try
        {
            string text = File.ReadAllText("/proc/thread-self/schedstat");
            return long.Parse(text.AsSpan(0, text.IndexOf(' ')), System.Globalization.CultureInfo.InvariantCulture) * 1e-9;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }
}
