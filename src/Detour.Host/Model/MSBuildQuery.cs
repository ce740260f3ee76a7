using System.Diagnostics;

namespace Detour.Host.Model;

/// <summary>Asks MSBuild for a project's manifest at run time: a design-time build (the one IDEs run:
/// the compile inputs are computed, the compiler is not run) with Detour.targets imported.</summary>
internal static class MSBuildQuery
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    /// <param name="loaded">The projects the load that asks has read, by path, so each referenced project is read once.</param>
    public static ProjectModel Discover(string targetPath, string targetsFile, Dictionary<string, ProjectModel>? loaded = null)
    {
        loaded ??= new Dictionary<string, ProjectModel>();
        string project = FindProjectFile(targetPath) ?? throw new ReloadException(
            $"{targetPath}: no Detour manifest, and no project file in the folders above it. Import Detour.targets " +
            "into the project and build it in Debug (dotnet build -c Debug)");
        string manifest = Path.Combine(Path.GetTempPath(), $"detour-{Environment.ProcessId}-{Guid.NewGuid():N}.detour");
        try
        {
            Run(project, targetPath, targetsFile, manifest);
            var model = ProjectModel.Read(manifest, targetPath, reference => Discover(reference, targetsFile, loaded), loaded);
            if (Path.GetFileName(model.TargetPath) != Path.GetFileName(targetPath))
                throw new ReloadException($"{project} builds {model.TargetPath}, not {targetPath}; import Detour.targets into the app's project and rebuild");
            return model;
        }
        finally
        {
            File.Delete(manifest);
            File.Delete(manifest + ProjectModel.CompilerArgumentsSuffix);
        }
    }

    static void Run(string project, string targetPath, string targetsFile, string manifest)
    {
        var start = new ProcessStartInfo(Detour.Channel.DotnetExecutable.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "msbuild", project, "-nologo", "-v:q", "-t:Compile", "-p:DesignTimeBuild=true",
                     "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true", "-p:BuildProjectReferences=false",
                     // CoreCompile runs even when up to date, as in an IDE's design-time build, so it gives its command line.
                     "-p:NonExistentFile=__NonExistentSubDir__/__NonExistentFile__",
                     $"-p:CustomAfterMicrosoftCommonTargets={targetsFile}", $"-p:DetourManifestOutput={manifest}" })
            start.ArgumentList.Add(argument);
        // bin/<Configuration>/<TargetFramework>/App.dll: ask about the same build.
        var folder = new DirectoryInfo(Path.GetDirectoryName(targetPath)!);
        if (folder.Name.StartsWith("net") && folder.Parent?.Parent?.Name == "bin")
        {
            start.ArgumentList.Add($"-p:TargetFramework={folder.Name}");
            start.ArgumentList.Add($"-p:Configuration={folder.Parent.Name}");
        }
        // The app's own runtime settings must not leak into MSBuild.
        start.Environment.Remove("DOTNET_STARTUP_HOOKS");
        using var msbuild = Process.Start(start)!;
        msbuild.StandardInput.Close();
        var output = msbuild.StandardOutput.ReadToEndAsync();
        var errors = msbuild.StandardError.ReadToEndAsync();
        if (!msbuild.WaitForExit(Limit))
        {
            msbuild.Kill(entireProcessTree: true);
            throw new ReloadException($"{project}: MSBuild did not answer within {Limit.TotalSeconds:F0} s");
        }
        if (msbuild.ExitCode != 0 || !File.Exists(manifest))
        {
            var lines = (output.Result + errors.Result).Split('\n').Select(l => l.Trim()).Where(l => l.Contains("error")).Take(3);
            throw new ReloadException($"{project}: MSBuild could not describe the project: {string.Join(" | ", lines)}");
        }
    }

    /// <summary>The nearest folder above the assembly with a project file: the one named after the
    /// assembly, or the only one there.</summary>
    static string? FindProjectFile(string targetPath)
    {
        string name = Path.GetFileNameWithoutExtension(targetPath);
        var folder = new DirectoryInfo(Path.GetDirectoryName(targetPath)!);
        for (int level = 0; level < 6 && folder is not null; level++, folder = folder.Parent)
        {
            var projects = folder.GetFiles("*.csproj");
            var named = projects.FirstOrDefault(p => Path.GetFileNameWithoutExtension(p.Name) == name);
            if (named is not null) return named.FullName;
            if (projects.Length == 1) return projects[0].FullName;
        }
        return null;
    }
}
