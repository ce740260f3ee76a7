using System.Runtime.InteropServices;

namespace Detour.Engine.Platform;

/// <summary>Picks the architecture and OS implementations for this process. Only platforms a test has run on patch
/// native code (native-notes/platforms.md); elsewhere every detour is refused with the reason.</summary>
internal static class NativePlatform
{
    static readonly Lazy<(IArchitecture, INativeMemory)> Current = new(Create);

    public static IArchitecture Architecture => Current.Value.Item1;
    public static INativeMemory Memory => Current.Value.Item2;

    /// <summary>Where the engine has been tested: Linux x64 natively, Linux arm64 under qemu, Windows x64 under Wine.</summary>
    public static bool IsVerified(out string platform)
    {
        var arch = RuntimeInformation.ProcessArchitecture;
        platform = $"{(OperatingSystem.IsLinux() ? "Linux" : OperatingSystem.IsWindows() ? "Windows" : OperatingSystem.IsMacOS() ? "macOS" : RuntimeInformation.OSDescription)} {arch}";
        return (OperatingSystem.IsLinux() && arch is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64)
               || (OperatingSystem.IsWindows() && arch == System.Runtime.InteropServices.Architecture.X64);
    }

    /// <summary>DETOUR_ENGINE=runtime: edits go through the runtime's own metadata update only, as where the engine is
    /// not verified; the end-to-end suite runs that way too.</summary>
    public static bool RuntimeOnlyAsked => Environment.GetEnvironmentVariable("DETOUR_ENGINE") == "runtime";

    /// <summary>DETOUR_UNVERIFIED_ENGINE=1: the engine runs where no test has run it (macOS), at the user's risk.</summary>
    static bool UnverifiedAsked => Environment.GetEnvironmentVariable("DETOUR_UNVERIFIED_ENGINE") == "1" && OperatingSystem.IsMacOS();

    /// <summary>Why the engine patches no native code in this process, or null when it does.</summary>
    static string? WhyOff(out string platform)
    {
        bool verified = IsVerified(out platform);
        return RuntimeOnlyAsked ? "DETOUR_ENGINE=runtime" : verified || UnverifiedAsked ? null : $"not verified on {platform}";
    }

    public static bool Available => WhyOff(out _) is null;

    public static string Description => WhyOff(out string platform) is { } why
        ? $"off: {why}"
        : $"{platform}{(UnverifiedAsked ? " (unverified, DETOUR_UNVERIFIED_ENGINE=1)" : "")}: precode slot swap, code-start {(Architecture is Arm64Architecture ? "B" : "jmp rel32")}";

    static (IArchitecture, INativeMemory) Create()
    {
        if (WhyOff(out _) is { } why)
            throw new PlatformNotSupportedException($"Detour's native engine is off ({why}), so it patches no native code here (native-notes/platforms.md)");
        IArchitecture arch = RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64
            ? new Arm64Architecture()
            : new X64Architecture(windowsAbi: OperatingSystem.IsWindows());
        INativeMemory memory = OperatingSystem.IsWindows() ? new WindowsMemory() : OperatingSystem.IsMacOS() ? new MacMemory() : new LinuxMemory();
        return (arch, memory);
    }
}
