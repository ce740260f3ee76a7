namespace Detour.Host.Model;

/// <summary>Razor views (.cshtml, .razor) and where the C# the project's Razor generator writes for each is kept among
/// a session's sources: beside the view's path, never as a file on disk.</summary>
public static class ViewFiles
{
    const string GeneratedSuffix = ".g.cs";

    public static bool IsView(string path) =>
        path.EndsWith(".cshtml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".razor", StringComparison.OrdinalIgnoreCase);

    public static string GeneratedPath(string view) => view + GeneratedSuffix;

    public static bool IsGenerated(string path) => path.EndsWith(GeneratedSuffix, StringComparison.Ordinal) && IsView(path[..^GeneratedSuffix.Length]);
}
