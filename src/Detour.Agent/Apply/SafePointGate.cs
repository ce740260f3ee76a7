using System.Reflection;
using System.Runtime.Loader;

namespace Detour.Agent.Apply;

/// <summary>Mode 3: the agent arms <c>Detour.HotPatch.SafePoint()</c> (in the app's reference to the Detour package)
/// while edits wait. The first thread to call it tells the host and waits there while the host applies the edits.</summary>
internal sealed class SafePointGate(Action<int> tellHost)
{
    static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20); // a host that never answers cannot freeze the app
    readonly object _gate = new();
    FieldInfo? _hook;
    bool _wanted, _watchingLoads;
    int _nextId;
    (int Id, ManualResetEventSlim Released)? _waiting;

    public void Want(bool wanted)
    {
        lock (_gate)
        {
            _wanted = wanted;
            if (wanted && _hook is null && !_watchingLoads)
            {
                _hook = FindHook();
                // The app has not called SafePoint yet, so the Detour package's assembly is not loaded: armed on load.
                if (_hook is null) { AppDomain.CurrentDomain.AssemblyLoad += OnLoad; _watchingLoads = true; }
            }
            Arm(wanted);
        }
    }

    /// <summary>The host has applied what waited; the waiting thread goes on.</summary>
    public void Done(int id)
    {
        lock (_gate) if (_waiting is { } w && w.Id == id) w.Released.Set();
    }

    /// <summary>The host went away: nobody will answer, so nothing may wait.</summary>
    public void Release()
    {
        lock (_gate) { _wanted = false; Arm(false); _waiting?.Released.Set(); }
    }

    void OnLoad(object? sender, AssemblyLoadEventArgs e)
    {
        if (e.LoadedAssembly.GetName().Name != "Detour") return;
        lock (_gate)
        {
            _hook ??= HookIn(e.LoadedAssembly);
            Arm(_wanted);
        }
    }

    void Arm(bool on) => _hook?.SetValue(null, on ? (Action)Reached : null);

    void Reached()
    {
        ManualResetEventSlim released;
        int id;
        lock (_gate)
        {
            if (!_wanted || _waiting is not null) return; // another thread is at the safe point already
            Arm(false);
            id = ++_nextId;
            released = new ManualResetEventSlim();
            _waiting = (id, released);
        }
        try
        {
            tellHost(id);
            released.Wait(WaitLimit);
        }
        catch (Exception) { } // never into the app
        finally
        {
            lock (_gate) { _waiting = null; released.Dispose(); }
        }
    }

    static FieldInfo? FindHook()
    {
        foreach (var a in AssemblyLoadContext.Default.Assemblies)
            if (a.GetName().Name == "Detour" && HookIn(a) is { } hook) return hook;
        return null;
    }

    static FieldInfo? HookIn(Assembly detour) =>
        detour.GetType("Detour.HotPatch")?.GetField("s_atSafePoint", BindingFlags.NonPublic | BindingFlags.Static) is { FieldType: var t } f && t == typeof(Action) ? f : null;
}
