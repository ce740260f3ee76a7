using System.Runtime.InteropServices;

namespace Detour.Channel;

/// <summary>The `dotnet` of the runtime this process runs on, for the processes Detour starts (MSBuild, the build, a
/// compile host): …/dotnet/shared/Microsoft.NETCore.App/x.y.z/ is three levels below it. "dotnet" from PATH otherwise.</summary>
public static class DotnetExecutable
{
    public static string Path { get; } = Find();

    static string Find()
    {
        string exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        string candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", exe));
        return File.Exists(candidate) ? candidate : exe;
    }
}
