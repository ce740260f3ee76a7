using System.Diagnostics;

namespace Detour.Channel;

/// <summary>Where the fault suite injects a failure: the compile host's start, then the stages of an edit in the order
/// it reaches them, in the compile host (the read of a saved file, the compile, the relink, the written generation)
/// and then in the agent.</summary>
public enum FaultStage { Start, Read, Compiled, Relinked, Written, Loaded, Initializers, Detours, DetourWrite, Fields, RuntimeUpdate, Handlers }

/// <summary>The fault-injection seam of the fault suite, read once from DETOUR_TEST_FAULTS: a comma-separated list of
/// stage names ("compiled", "detour-write", ...), each failing once, the first time it is reached. "stage" throws there
/// (an I/O error, as a full disk or a vanished file would); "stage:kill" kills the process there, as a crash or
/// `kill -9` would; "stage:exit" ends it normally, as an app that exits in the middle of an edit; "stage:hold" waits there
/// until the file DETOUR_TEST_RELEASE names exists. Unset, it does nothing.</summary>
public sealed class InjectedFaults
{
    public const string Variable = "DETOUR_TEST_FAULTS";
    const string ReleaseVariable = "DETOUR_TEST_RELEASE";
    readonly Dictionary<FaultStage, string> _pending = new();

    InjectedFaults(string spec)
    {
        foreach (var item in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = item.IndexOf(':');
            if (Parse(colon < 0 ? item : item[..colon]) is { } stage) _pending[stage] = colon < 0 ? "throw" : item[(colon + 1)..];
        }
    }

    /// <summary>The faults this process was started with, or null (the usual case). One list per process: a stage that
    /// two sessions reach fails once.</summary>
    public static readonly Action<FaultStage>? OfThisProcess =
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } spec ? new InjectedFaults(spec).Reach : null;

    /// <summary>"detour-write" for <see cref="FaultStage.DetourWrite"/>: how the variable names a stage.</summary>
    public static string NameOf(FaultStage stage) =>
        string.Concat(stage.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    static FaultStage? Parse(string name)
    {
        foreach (var stage in Enum.GetValues<FaultStage>())
            if (string.Equals(NameOf(stage), name, StringComparison.OrdinalIgnoreCase)) return stage;
        return null;
    }

    void Reach(FaultStage stage)
    {
        string? action;
        lock (_pending)
            if (!_pending.Remove(stage, out action)) return;
        switch (action)
        {
            case "kill": Process.GetCurrentProcess().Kill(); Thread.Sleep(Timeout.Infinite); break;
            case "exit": Environment.Exit(3); break;
            case "hold":
                string release = Environment.GetEnvironmentVariable(ReleaseVariable) ?? "";
                for (var clock = Stopwatch.StartNew(); !File.Exists(release) && clock.Elapsed < TimeSpan.FromMinutes(5);) Thread.Sleep(20);
                break;
            default: throw new IOException($"injected fault at {NameOf(stage)}");
        }
    }
}
