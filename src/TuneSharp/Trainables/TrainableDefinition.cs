using System.Reflection;

namespace TuneSharp;

/// <summary>
/// A trainable as TuneSharp runs it: a function (Ray's function API) or a <see cref="Trainable"/> subclass
/// (the class API), with a name and the resources each trial needs. Build one with the <c>From*</c>
/// methods or <see cref="Tune.WithResources(Func{TrialContext, Task}, Resources)"/>.
/// </summary>
public sealed class TrainableDefinition
{
    private TrainableDefinition(string name, Resources resources,
        Func<TrialContext, Task<Metrics?>>? function, Func<Trainable>? factory)
    {
        Name = name;
        Resources = resources;
        Function = function;
        Factory = factory;
    }

    /// <summary>The name used in trial names and folders (the method's name unless given).</summary>
    public string Name { get; }

    /// <summary>What each trial needs. <value>The default is one CPU.</value></summary>
    public Resources Resources { get; }

    /// <summary>Whether this uses the class API.</summary>
    public bool IsClassTrainable => Factory is not null;

    internal Func<TrialContext, Task<Metrics?>>? Function { get; }
    internal Func<Trainable>? Factory { get; }

    /// <summary>An asynchronous function trainable.</summary>
    public static TrainableDefinition FromFunction(Func<TrialContext, Task> function, string? name = null) =>
        new(name ?? NameOf(function.Method), new Resources(), async trial =>
        {
            // Not ConfigureAwait(false): on the trial's thread that would move this continuation to the thread pool
            // and back, two thread hand-offs at the end of every trial.
            await function(trial);
            return null;
        }, null);

    /// <summary>An asynchronous function trainable whose returned metrics count as its final report.</summary>
    public static TrainableDefinition FromFunction(Func<TrialContext, Task<Metrics?>> function, string? name = null) =>
        new(name ?? NameOf(function.Method), new Resources(), function, null);

    /// <summary>A synchronous function trainable.</summary>
    public static TrainableDefinition FromFunction(Action<TrialContext> function, string? name = null) =>
        new(name ?? NameOf(function.Method), new Resources(), trial => { function(trial); return Task.FromResult<Metrics?>(null); }, null);

    /// <summary>A synchronous function trainable whose returned metrics count as its final report.</summary>
    public static TrainableDefinition FromFunction(Func<TrialContext, Metrics?> function, string? name = null) =>
        new(name ?? NameOf(function.Method), new Resources(), trial => Task.FromResult(function(trial)), null);

    /// <summary>A class trainable; a fresh instance is created for each trial run.</summary>
    public static TrainableDefinition FromClass<T>() where T : Trainable, new() =>
        new(typeof(T).Name, new Resources(), null, () => new T());

    /// <summary>A class trainable built by <paramref name="factory"/>.</summary>
    public static TrainableDefinition FromClass(Func<Trainable> factory, string name) =>
        new(name, new Resources(), null, factory);

    /// <summary>The same trainable with other resources per trial.</summary>
    public TrainableDefinition WithResources(Resources resources) => new(Name, resources, Function, Factory);

    /// <summary>The same trainable under another name.</summary>
    public TrainableDefinition WithName(string name) => new(name, Resources, Function, Factory);

    // Lambdas and local functions get compiler names such as "<Main>g__TrainMnist|0_0"; recover the
    // user's name where there is one, as Ray uses a function's __name__.
    private static string NameOf(MethodInfo method)
    {
        string name = method.Name;
        int start = name.IndexOf("g__", StringComparison.Ordinal);
        if (start >= 0)
        {
            int end = name.IndexOf('|', start);
            return end > start + 3 ? name[(start + 3)..end] : "trainable";
        }
        return name.Contains('<') ? "trainable" : name;
    }
}

public static partial class Tune
{
    /// <summary>The trainable with the given resources per trial (Ray's <c>tune.with_resources</c>).</summary>
    public static TrainableDefinition WithResources(Func<TrialContext, Task> trainable, Resources resources) =>
        TrainableDefinition.FromFunction(trainable).WithResources(resources);

    /// <summary>The trainable with the given resources per trial (Ray's <c>tune.with_resources</c>).</summary>
    public static TrainableDefinition WithResources(Action<TrialContext> trainable, Resources resources) =>
        TrainableDefinition.FromFunction(trainable).WithResources(resources);

    /// <summary>The trainable with the given resources per trial (Ray's <c>tune.with_resources</c>).</summary>
    public static TrainableDefinition WithResources(TrainableDefinition trainable, Resources resources) =>
        trainable.WithResources(resources);
}
