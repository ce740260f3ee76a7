using System.Reflection;

namespace Detour.Engine;

/// <summary>The engine's front door.</summary>
public static class Detours
{
    /// <summary>From the next call on, calls to <paramref name="original"/> run <paramref name="replacement"/>.
    /// The replacement is either an instance method with the same signature, or a static method
    /// taking the instance first ('ref' for a struct).</summary>
    public static MethodDetour Install(MethodBase original, MethodBase replacement) =>
        new DetourTransaction().Install(original, replacement).Commit()[0];

    /// <summary>The platform layer this process uses ("Linux Arm64: precode slot swap, code-start B"), or why it
    /// patches no native code here.</summary>
    public static string Platform => Detour.Engine.Platform.NativePlatform.Description;

    /// <summary>False where the engine patches no native code: an unverified platform, or DETOUR_ENGINE=runtime.</summary>
    public static bool Available => Detour.Engine.Platform.NativePlatform.Available;

    /// <summary>The active detour on <paramref name="original"/>, if any.</summary>
    public static MethodDetour? Find(MethodBase original)
    {
        lock (DetourRegistry.Gate)
            return DetourRegistry.Active.GetValueOrDefault(original.MethodHandle);
    }

    /// <summary>A snapshot of the active detours.</summary>
    public static IReadOnlyList<MethodDetour> Active
    {
        get { lock (DetourRegistry.Gate) return new List<MethodDetour>(DetourRegistry.Active.Values); }
    }
}
