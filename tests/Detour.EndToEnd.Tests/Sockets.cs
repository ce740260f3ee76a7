using System.Diagnostics;

namespace Detour.EndToEnd.Tests;

/// <summary>Compile hosts are background processes (one per user and project) that outlive their apps on purpose.
/// The tests end every one started for their apps, by pid, found through /proc.</summary>
public static class Sockets
{
    /// <summary>Pids of `dotnet-detour serve --project P` processes for projects under the folder.</summary>
    public static IReadOnlyList<int> HostsServing(string folder)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string commandLine;
            try { commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (commandLine.Contains("dotnet-detour") && commandLine.Contains(" serve ") && commandLine.Contains(folder)) found.Add(pid);
        }
        return found;
    }

    public static void StopHostsStartedUnder(string folder)
    {
        foreach (var pid in HostsServing(folder))
            try { Process.GetProcessById(pid).Kill(entireProcessTree: true); } catch (ArgumentException) { } catch (InvalidOperationException) { }
    }
}
