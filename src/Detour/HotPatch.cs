namespace Detour;

/// <summary>Calls from the app to Detour.</summary>
public static class HotPatch
{
    // Set by the Detour agent (by name, through reflection) while edits wait for a safe point; null otherwise, and
    // always without an agent. The compiler sees no write to it.
#pragma warning disable CS0649
    static Action? s_atSafePoint;
#pragma warning restore CS0649

    /// <summary>A point where the app's state is consistent, a frame boundary of a game loop say. In reload mode 3
    /// (<c>%autoreload 3</c>, <c>dotnet detour mode 3</c>) saved edits are compiled at once and land here, on this
    /// thread, before the call returns. Otherwise, and without Detour's agent, it returns at once.</summary>
    public static void SafePoint() => Volatile.Read(ref s_atSafePoint)?.Invoke();
}
