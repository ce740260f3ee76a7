using System.Diagnostics;

namespace Detour.Channel;

/// <summary>The fault-injection seam of issue 10's fault suite, read once from DETOUR_TEST_FAULTS: a comma-separated
/// list of stage names, each failing once, the first time it is reached. "stage" throws there (an I/O error, as a
/// full disk or a vanished file would); "stage:kill" kills the process there, as a crash or `kill -9` would;
/// "stage:exit" ends it normally, as an app that exits in the middle of an edit. Unset, it does nothing.</summary>
public sealed class InjectedFaults
{
    public const string Variable = "DETOUR_TEST_FAULTS";
    readonly Dictionary<string, string> _pending = new(StringComparer.OrdinalIgnoreCase);

    InjectedFaults(string spec)
    {
        foreach (var item in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = item.IndexOf(':');
            _pending[colon < 0 ? item : item[..colon]] = colon < 0 ? "throw" : item[(colon + 1)..];
        }
    }

    /// <summary>The faults this process was started with, or null (the usual case). One list per process: a stage that
    /// two sessions reach fails once.</summary>
    public static readonly Action<string>? OfThisProcess =
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } spec ? new InjectedFaults(spec).Reach : null;

    void Reach(string stage)
    {
        string? action;
        lock (_pending)
            if (!_pending.Remove(stage, out action)) return;
        switch (action)
        {
            case "kill": Process.GetCurrentProcess().Kill(); Thread.Sleep(Timeout.Infinite); break;
            case "exit": Environment.Exit(3); break;
            default: throw new IOException($"injected fault at {stage}");
        }
    }
}
