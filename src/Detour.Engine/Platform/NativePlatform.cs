using System.Runtime.InteropServices;

namespace Detour.Engine.Platform;

/// <summary>Picks the architecture and OS implementations for this process.</summary>
internal static class NativePlatform
{
    static readonly Lazy<(IArchitecture, INativeMemory)> Current = new(Create);

    public static IArchitecture Architecture => Current.Value.Item1;
    public static INativeMemory Memory => Current.Value.Item2;

    static (IArchitecture, INativeMemory) Create()
    {
        if (RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            throw new PlatformNotSupportedException(
                $"Detour supports x64 only; {RuntimeInformation.ProcessArchitecture} is designed in native-notes/platforms.md but not built.");
        INativeMemory memory =
            OperatingSystem.IsLinux() ? new LinuxMemory() :
            OperatingSystem.IsWindows() ? new WindowsMemory() :
            throw new PlatformNotSupportedException($"Detour has no memory layer for {RuntimeInformation.OSDescription}; see native-notes/platforms.md.");
        return (new X64Architecture(windowsAbi: OperatingSystem.IsWindows()), memory);
    }
}
