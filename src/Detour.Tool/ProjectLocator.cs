namespace Detour.Tool;

/// <summary>The project a command is about: --project (a file or a folder), or the one project in the current folder.</summary>
public static class ProjectLocator
{
    public static string Find(string? option)
    {
        string path = Path.GetFullPath(option ?? Directory.GetCurrentDirectory());
        if (File.Exists(path)) return path;
        if (!Directory.Exists(path)) throw new ToolException($"{path}: no such project file or folder");
        var projects = Directory.GetFiles(path, "*.csproj");
        return projects.Length switch
        {
            1 => projects[0],
            0 => throw new ToolException($"{path}: no .csproj here; pass --project"),
            _ => throw new ToolException($"{path}: {projects.Length} projects here; pass --project with one of them"),
        };
    }
}
