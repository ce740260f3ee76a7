using System.Runtime.Loader;
using Detour.Channel;

namespace Detour.Agent.Apply;

/// <summary>Unloads generations that nothing leads into any more. A released context is only asked to unload; the
/// runtime frees it once no object, delegate or stack frame of it is left (native-notes/generation-unloading.md),
/// which takes a full collection. Apps that allocate little rarely have one, so the reaper asks for a background
/// one, on the thread pool, at most every few seconds and only while released contexts wait.</summary>
internal sealed class GenerationReaper
{
    static readonly TimeSpan CollectionInterval = TimeSpan.FromSeconds(2);

    readonly List<WeakReference> _releasing = new();
    readonly object _gate = new();
    int _collected;
    long _lastCollection;
    int _collecting;

    /// <summary>Asks the context to unload; the caller drops every reference it holds into it.</summary>
    public void Release(AssemblyLoadContext context)
    {
        context.Unload();
        lock (_gate) _releasing.Add(new WeakReference(context));
    }

    public GenerationCounts Counts(int loaded)
    {
        lock (_gate)
        {
            Sweep();
            return new GenerationCounts(loaded, _releasing.Count, _collected);
        }
    }

    /// <summary>Starts a background collection when contexts wait to be freed and none ran lately. Never blocks the caller.</summary>
    public void CollectWhenDue()
    {
        lock (_gate)
        {
            Sweep();
            if (_releasing.Count == 0) return;
            if (Environment.TickCount64 - _lastCollection < CollectionInterval.TotalMilliseconds) return;
            _lastCollection = Environment.TickCount64;
        }
        if (Interlocked.Exchange(ref _collecting, 1) == 1) return;
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try
            {
                // The first collection finds the contexts unreachable and queues their finalizers; the second frees them.
                GC.Collect(2, GCCollectionMode.Forced, blocking: false);
                GC.WaitForPendingFinalizers();
                GC.Collect(2, GCCollectionMode.Forced, blocking: false);
                lock (_gate) Sweep();
            }
            catch (Exception) { }
            finally { Volatile.Write(ref _collecting, 0); }
        }, null);
    }

    void Sweep()
    {
        int before = _releasing.Count;
        _releasing.RemoveAll(r => !r.IsAlive);
        _collected += before - _releasing.Count;
    }
}
