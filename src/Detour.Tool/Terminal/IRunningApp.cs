using System.Diagnostics;

namespace Detour.Tool.Terminal;

/// <summary>The app `dotnet detour run` started: on a pseudo-terminal of its own, or sharing the tool's.</summary>
internal interface IRunningApp : IDisposable
{
    void WaitForExit();
    int ExitCode { get; }
    /// <summary>The app and what it started; nothing if it has exited.</summary>
    void Kill();
}

/// <summary>The app on the tool's own terminal and standard handles: when the tool's input or output is not a
/// terminal, or DETOUR_COMMANDS=0.</summary>
internal sealed class SharedTerminalApp(Process process) : IRunningApp
{
    public void WaitForExit() => process.WaitForExit();
    public int ExitCode => process.ExitCode;

    public void Kill()
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
    }

    public void Dispose() => process.Dispose();
}
