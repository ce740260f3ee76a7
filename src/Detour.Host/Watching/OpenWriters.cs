namespace Detour.Host.Watching;

/// <summary>Which files some process of this user still holds open for writing: an editor or a build writing a file
/// in place has not finished it. Linux only, from /proc (each process's descriptors and their open flags); elsewhere
/// nothing is known, and the watcher's settle time alone decides.</summary>
internal static class OpenWriters
{
    const int AccessModeMask = 3; // O_WRONLY = 1, O_RDWR = 2 (octal "flags:" in /proc/<pid>/fdinfo/<fd>)

    public static HashSet<string> Among(IReadOnlyCollection<string> paths)
    {
        var writing = new HashSet<string>();
        if (!OperatingSystem.IsLinux() || paths.Count == 0) return writing;
        var wanted = paths.ToHashSet();
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out int pid) || pid == Environment.ProcessId) continue;
            IEnumerable<string> descriptors;
            try { descriptors = Directory.EnumerateFiles(Path.Combine(process, "fd")).ToList(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; } // another user's, or gone
            foreach (var descriptor in descriptors)
            {
                try
                {
                    if (new FileInfo(descriptor).LinkTarget is not { } target || !wanted.Contains(target)) continue;
                    if (IsOpenForWriting(Path.Combine(process, "fdinfo", Path.GetFileName(descriptor)))) writing.Add(target);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        return writing;
    }

    static bool IsOpenForWriting(string fdinfo)
    {
        foreach (var line in File.ReadLines(fdinfo))
            if (line.StartsWith("flags:", StringComparison.Ordinal))
                return (Convert.ToInt32(line[6..].Trim(), 8) & AccessModeMask) != 0;
        return false;
    }
}
