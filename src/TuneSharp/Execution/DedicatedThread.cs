using System.Collections.Concurrent;

namespace TuneSharp.Execution;

/// <summary>
/// Runs an async body on a thread of its own whose awaits come back to that same thread.
/// Training code is CPU-bound; on the thread pool it would starve everything else that needs the pool (a
/// 2-core machine has 2 pool threads before the pool slowly injects more), so each trial gets its own thread.
/// </summary>
/// <remarks>
/// A thread that finished a body waits a few seconds for the next one before it exits: creating and
/// ending an OS thread cost 0.5 to 1.5 ms on the 2-core benchmark machine (docs/benchmarks.md), more than
/// everything else TuneSharp does for a short trial. A body never shares its thread with another body
/// while it runs, and it runs in the execution context (async locals, culture) of the code that started
/// it, as on a new thread; only [ThreadStatic] state a previous body left behind can be seen.
/// </remarks>
internal static class DedicatedThread
{
    private static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a thread whose body ended looks for its next body before it sleeps: about 25 µs (ten short spins,
    /// then yields) on the 2-core benchmark machine. The controller usually hands over the next trial within that
    /// time, and waking a sleeping thread costs more on a virtual machine; 10,000 trivial trials took about 15 %
    /// less time with it (docs/benchmarks.md).
    /// </summary>
    private const int SpinCount = 40;
    private static readonly ConcurrentStack<Worker> Idle = new();

    /// <summary>
    /// Runs <paramref name="body"/> on a trial thread, then <paramref name="onEnd"/> with its finished task on that
    /// same thread (not through a continuation on the pool: one thread hand-off fewer at the end of every trial).
    /// </summary>
    public static void Run(Func<Task> body, string name, Action<Task> onEnd)
    {
        var work = new Work(body, name, ExecutionContext.Capture(), onEnd);
        while (Idle.TryPop(out Worker? worker))
            if (worker.TryAssign(work))
                return;
        new Worker(work).Start();
    }

    private sealed record Work(Func<Task> Body, string Name, ExecutionContext? Context, Action<Task> OnEnd);

    private sealed class Worker
    {
        private readonly Thread _thread;
        private volatile Work? _next; // read without the lock while spinning (WaitForNext)
        private bool _retired;

        public Worker(Work first)
        {
            _next = first;
            _thread = new Thread(Loop) { IsBackground = true, Name = first.Name };
        }

        public void Start() => _thread.Start();

        /// <summary>Hands <paramref name="work"/> to this idle worker; false if it has just retired.</summary>
        public bool TryAssign(Work work)
        {
            lock (this)
            {
                if (_retired)
                    return false;
                _next = work;
                Monitor.Pulse(this);
                return true;
            }
        }

        private void Loop()
        {
            Work? work = Take();
            while (work is not null)
            {
                _thread.Name = work.Name;
                Task task = work.Context is { } context
                    ? RunInContext(context, work.Body)
                    : RunOnThisThread(work.Body);
                // Idle before the body's end is reported, so the trial started in its place finds this thread.
                lock (this)
                    Idle.Push(this);
                work.OnEnd(task);
                work = WaitForNext();
            }
        }

        private Work? Take()
        {
            lock (this)
            {
                Work? work = _next;
                _next = null;
                return work;
            }
        }

        private Work? WaitForNext()
        {
            // Never Sleep(1) while spinning: a millisecond is far longer than the wait this is meant to skip.
            var spinner = new SpinWait();
            for (int i = 0; i < SpinCount && _next is null; i++)
                spinner.SpinOnce(sleep1Threshold: -1);
            lock (this)
            {
                while (_next is null)
                {
                    if (!Monitor.Wait(this, IdleLifetime) && _next is null)
                    {
                        _retired = true; // its stale entry in Idle is skipped by TryAssign
                        return null;
                    }
                }
            }
            return Take();
        }

        private static Task RunInContext(ExecutionContext context, Func<Task> body)
        {
            Task? task = null;
            ExecutionContext.Run(context, _ => task = RunOnThisThread(body), null);
            return task!;
        }

        /// <summary>Runs the body to its end, its awaits coming back to this thread; returns the finished task.</summary>
        private static Task RunOnThisThread(Func<Task> body)
        {
            var context = new SingleThreadContext();
            SynchronizationContext.SetSynchronizationContext(context);
            try
            {
                Task task;
                try { task = body(); }
                catch (Exception e) { task = Task.FromException(e); }
                // Ends the loop below from the thread that completes the body (usually this one), without a
                // thread-pool work item per trial.
                task.ContinueWith(_ => context.Complete(), CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                context.RunUntilComplete();
                // A body abandoned this way may still be running; its next report is answered with a stop.
                return context.Fault is { } fault ? Task.FromException(fault) : task;
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(null);
            }
        }
    }

    private sealed class SingleThreadContext : SynchronizationContext
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new();

        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                _queue.Add((d, state));
            }
            catch (InvalidOperationException)
            {
                // The body has finished; stray continuations (a fire-and-forget task) go to the pool.
                PostToPool(d, state);
            }
        }

        // Apart from Post, whose every call would otherwise allocate the lambda's closure, used or not.
        private static void PostToPool(SendOrPostCallback d, object? state) => ThreadPool.QueueUserWorkItem(s => d(s), state);

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Synchronous Send is not supported on a trial thread.");

        public override SynchronizationContext CreateCopy() => this;

        /// <summary>The first exception a posted callback threw, which ended the loop early.</summary>
        public Exception? Fault { get; private set; }

        public void RunUntilComplete()
        {
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
            {
                try
                {
                    callback(state);
                }
                catch (Exception e)
                {
                    // Only an exception that no task holds gets here, such as one from an async void method of the
                    // trainable. It fails the trial, as an exception from the body does, instead of the process.
                    Fault ??= e;
                    Complete();
                }
            }
        }

        public void Complete() => _queue.CompleteAdding();
    }
}
