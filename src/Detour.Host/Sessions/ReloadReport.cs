using Detour.Host.Rules;

namespace Detour.Host.Sessions;

/// <summary>What one edit did. <see cref="Errors"/> holds compile errors and rude edits in
/// "path(line,col): ..." form; when it is not empty nothing was applied.</summary>
public sealed record ReloadReport(
    int Generation,
    IReadOnlyList<string> Files,
    IReadOnlyList<MemberReport> Members,
    IReadOnlyList<string> Errors,
    TimeSpan Compile,
    TimeSpan Relink,
    TimeSpan Apply)
{
    public bool Succeeded => Errors.Count == 0;

    /// <summary>The edit cannot be applied to the running app: only a restart brings it in.</summary>
    public bool NeedsRestart { get; init; }

    /// <summary>A restart is needed for all of the edit, or for a part of it that the report names.</summary>
    public bool RestartWanted => NeedsRestart || Succeeded && !Held && Members.Any(m => m.RestartToSee || m.HiddenFromReflection);

    /// <summary>What to tell the user of an edit that wants a restart, ending with how they restart; null when it does not.</summary>
    public string? RestartLine(string howToRestart) =>
        NeedsRestart ? $"this edit needs a restart: {howToRestart}"
        : RestartWanted ? $"part of this edit takes effect at a restart: {howToRestart}"
        : null;

    /// <summary>Compiled and checked, not applied: it waits for the app's safe point (mode 3).</summary>
    public bool Held { get; init; }

    /// <summary>What went wrong after the edit applied, without undoing it, in "path(line,col): ..." or "path: warning: ..."
    /// form: an update handler that threw, or another file that no longer compiles with the edit.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Where the time went, stage by stage, from the save the watcher saw to the agent's answer.</summary>
    public IReadOnlyList<StageTime> Stages { get; init; } = [];

    /// <summary>"timeline: settle 41 ms, read 1 ms, compile 12 ms, ... = 63 ms" (--verbose prints it).</summary>
    public string Timeline() =>
        $"timeline: {string.Join(", ", Stages.Select(s => $"{s.Stage} {s.Took.TotalMilliseconds:F1} ms"))} = " +
        $"{Stages.Sum(s => s.Took.TotalMilliseconds):F0} ms";
    public int Count(MemberStatus status) => Members.Count(m => m.Status == status);

    /// <summary>"Scene.cs: 2 patched, 1 added (34 ms)".</summary>
    public string Summary()
    {
        string files = string.Join(", ", Files.Select(Path.GetFileName));
        if (!Succeeded) return $"{files}: not applied ({Errors.Count} error{(Errors.Count == 1 ? "" : "s")})";
        if (Held) return $"{files}: compiled ({(Compile + Relink).TotalMilliseconds:F0} ms); waits for the app's next Detour.HotPatch.SafePoint()";
        var parts = new[] { MemberStatus.Patched, MemberStatus.Added, MemberStatus.Removed, MemberStatus.Skipped }
            .Where(s => Count(s) > 0).Select(s => $"{Count(s)} {s.ToString().ToLowerInvariant()}").ToList();
        string what = parts.Count == 0 ? "no code change, nothing patched" : string.Join(", ", parts);
        return $"{files}: {what} ({(Compile + Relink + Apply).TotalMilliseconds:F0} ms)";
    }
}

/// <summary>One stage of an edit and how long it took.</summary>
public sealed record StageTime(string Stage, TimeSpan Took);

/// <summary>Times an edit's stages one after another.</summary>
internal sealed class StageClock
{
    readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    readonly List<StageTime> _stages = new();

    public IReadOnlyList<StageTime> Stages => _stages;

    /// <summary>The stage that just ended took the time since the previous one ended.</summary>
    public void Done(string stage)
    {
        _stages.Add(new StageTime(stage, _clock.Elapsed));
        _clock.Restart();
    }
}
