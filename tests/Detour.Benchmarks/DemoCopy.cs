using System.Diagnostics;

namespace Detour.Benchmarks;

/// <summary>Builds apps with the real SDK for the benchmarks.</summary>
public static class DemoCopy
{
    /// <summary>Builds a project (Debug unless told); throws with the build's output if it does not build.</summary>
    public static void Build(string projectDirectory, string configuration = "Debug", string? outputDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = projectDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "build", "-c", configuration, "-nologo", "-v:q" }) start.ArgumentList.Add(argument);
        if (outputDirectory is not null) { start.ArgumentList.Add("-o"); start.ArgumentList.Add(outputDirectory); }
        using var build = Process.Start(start)!;
        var errors = build.StandardError.ReadToEndAsync();
        string output = build.StandardOutput.ReadToEnd() + errors.Result;
        build.WaitForExit();
        if (build.ExitCode != 0) throw new InvalidOperationException($"building {projectDirectory} failed:\n{output}");
    }

    /// <summary>A copy of examples/Demo in <paramref name="directory"/> whose project points at this repository's
    /// sources (the Detour package from source), built in Debug. Returns the path of its Scene.cs.</summary>
    public static string Make(string repositoryRoot, string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var file in new[] { "Demo.csproj", "Program.cs", "Scene.cs" })
            File.Copy(Path.Combine(repositoryRoot, "examples", "Demo", file), Path.Combine(directory, file), overwrite: true);
        string csproj = Path.Combine(directory, "Demo.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("$(MSBuildThisFileDirectory)../../src/", Path.Combine(repositoryRoot, "src") + "/")
                                                          .Replace("../../src/", Path.Combine(repositoryRoot, "src") + "/"));
        Build(directory);
        return Path.Combine(directory, "Scene.cs");
    }
}
