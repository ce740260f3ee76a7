using System.Text.Json;

namespace Detour.Tool;

/// <summary>The launch profile `dotnet run` would use, from the project's Properties/launchSettings.json: the one named,
/// or the first whose commandName is "Project". As `dotnet run` applies it: its environment variables (with %VAR%
/// expanded), its applicationUrl as ASPNETCORE_URLS, its name as DOTNET_LAUNCH_PROFILE, and its commandLineArgs when
/// the app is given no arguments.</summary>
public sealed record LaunchProfile(string Name, IReadOnlyDictionary<string, string> Environment, string? CommandLineArgs, string FilePath)
{
    /// <param name="name">--launch-profile; null for the default one.</param>
    /// <returns>Null when there is no settings file (and no profile was named), or no profile to use.</returns>
    public static LaunchProfile? Of(string projectPath, string? name)
    {
        string file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(projectPath))!, "Properties", "launchSettings.json");
        if (!File.Exists(file))
            return name is null ? null : throw new ToolException($"no launch profile '{name}': {file} does not exist");
        JsonElement profiles;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            profiles = json.RootElement.TryGetProperty("profiles", out var p) && p.ValueKind == JsonValueKind.Object ? p.Clone() : default;
        }
        catch (JsonException e) { throw new ToolException($"{file} is not valid JSON ({e.Message}); fix it, or run with --no-launch-profile"); }
        if (profiles.ValueKind != JsonValueKind.Object)
            return name is null ? null : throw new ToolException($"no launch profile '{name}' in {file}");
        foreach (var profile in profiles.EnumerateObject())
        {
            bool isProject = profile.Value.ValueKind == JsonValueKind.Object &&
                             profile.Value.TryGetProperty("commandName", out var command) && command.GetString() == "Project";
            if (name is null ? !isProject : !string.Equals(profile.Name, name, StringComparison.Ordinal)) continue;
            if (!isProject) throw new ToolException($"the launch profile '{profile.Name}' in {file} is not of commandName \"Project\"; `dotnet detour run` runs the project");
            return Read(profile.Name, profile.Value, file);
        }
        return name is null ? null : throw new ToolException($"no launch profile '{name}' in {file}");
    }

    static LaunchProfile Read(string name, JsonElement profile, string file)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (profile.TryGetProperty("applicationUrl", out var url) && url.GetString() is { Length: > 0 } urls)
            environment["ASPNETCORE_URLS"] = urls;
        environment["DOTNET_LAUNCH_PROFILE"] = name;
        if (profile.TryGetProperty("environmentVariables", out var variables) && variables.ValueKind == JsonValueKind.Object)
            foreach (var variable in variables.EnumerateObject())
                environment[variable.Name] = System.Environment.ExpandEnvironmentVariables(variable.Value.ToString());
        string? arguments = profile.TryGetProperty("commandLineArgs", out var args) && args.GetString() is { } text
            ? System.Environment.ExpandEnvironmentVariables(text) : null;
        return new LaunchProfile(name, environment, arguments, file);
    }
}
