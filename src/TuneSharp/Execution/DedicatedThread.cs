using System.Collections.Concurrent;

namespace TuneSharp.Execution;

/// <summary>
/// Runs an async body on a thread of its own whose awaits come back to that same thread.
/// Training code is CPU-bound; on the thread pool it would starve the controller's loop (a 2-core
/// machine has 2 pool threads before the pool slowly injects more), so each trial gets its own thread.
/// </summary>
internal static class DedicatedThread
{
    public static Task Run(Func<Task> body, string name)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var context = new SingleThreadContext();
            SynchronizationContext.SetSynchronizationContext(context);
            Task task;
            try { task = body(); }
            catch (Exception e) { task = Task.FromException(e); }
            task.ContinueWith(_ => context.Complete(), TaskScheduler.Default);
            context.RunUntilComplete();
            if (task.IsFaulted) done.SetException(task.Exception!.InnerExceptions);
            else if (task.IsCanceled) done.SetCanceled();
            else done.SetResult();
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
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
                ThreadPool.QueueUserWorkItem(s => d(s), state);
            }
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Synchronous Send is not supported on a trial thread.");

        public override SynchronizationContext CreateCopy() => this;

        public void RunUntilComplete()
        {
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
                callback(state);
        }

        public void Complete() => _queue.CompleteAdding();
    }
}
