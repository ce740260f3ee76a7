using System.Runtime.InteropServices;

namespace Detour.Host.Model;

/// <summary>Where a project's sources may live for Detour to read and compile them: under the repository that holds
/// the project (the nearest folder above it with a .git), or under the project's folder when there is none. Paths are
/// compared after every symlink in them is resolved, so neither "../" in a manifest nor a symlink inside the tree can
/// lead Detour to a file outside it.</summary>
internal static class SourceTree
{
    public static string RootOf(string projectDirectory)
    {
        string real = RealPath(projectDirectory) ?? Path.GetFullPath(projectDirectory);
        for (var dir = new DirectoryInfo(real); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
                return dir.FullName;
        return real;
    }

    /// <summary>Whether the file, with its symlinks resolved, is under the root. A file that does not exist yet is
    /// judged by its folder.</summary>
    public static bool Contains(string root, string path)
    {
        string full = Path.GetFullPath(path);
        string? real = RealPath(full) ?? (Path.GetDirectoryName(full) is { } folder && RealPath(folder) is { } realFolder
            ? Path.Combine(realFolder, Path.GetFileName(full)) : null);
        if (real is null) return false;
        string prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return real.StartsWith(prefix, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    /// <summary>The path with every symlink resolved; null when it does not exist (or loops).</summary>
    static string? RealPath(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try { return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? (Path.Exists(path) ? Path.GetFullPath(path) : null); }
            catch (IOException) { return null; }
        }
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(resolved); }
        finally { free(resolved); }
    }

    [DllImport("libc", SetLastError = true)]
    static extern IntPtr realpath(string path, IntPtr resolved);

    [DllImport("libc")]
    static extern void free(IntPtr pointer);
}
