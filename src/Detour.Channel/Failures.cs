using System.Reflection;

namespace Detour.Channel;

/// <summary>How a failure inside Detour is told, the same in the compile host and in the agent.</summary>
public static class Failures
{
    /// <summary>The exception that says what happened: a reflection call's or a type initializer's wrapper is unwrapped.</summary>
    public static Exception Unwrap(Exception e) => e is TargetInvocationException or TypeInitializationException ? e.InnerException ?? e : e;

    /// <summary>DETOUR_TRACE=1 adds the stack trace of a failure inside Detour, for a bug report.</summary>
    public static string Trace(Exception e) => Environment.GetEnvironmentVariable("DETOUR_TRACE") == "1" ? "\n" + e : "";
}
