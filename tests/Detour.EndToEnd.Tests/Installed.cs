using System.Diagnostics;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Once per run, what a new user does: `dotnet pack -c Release -o &lt;folder&gt;` at the repository root, then
/// `dotnet tool install --tool-path &lt;folder&gt; --add-source &lt;packages&gt; dotnet-detour`. Restores use a NuGet cache of
/// this run's own, so the packages just made are the ones used (never an older build of the same version).
/// `.ci/run` runs this suite several times over one checkout (the main run, then each platform's); it names one folder
/// in DETOUR_E2E_INSTALL, and the first run packs and installs there, the later ones use what it made.</summary>
[SetUpFixture]
public sealed class Installed
{
    public static string Root { get; private set; } = "";
    public static string Packages => Path.Combine(Root, "packages");
    public static string NuGetCache => Path.Combine(Root, "nuget");
    public static string ToolFolder => Path.Combine(Root, "tools");
    public static string Tool => Path.Combine(ToolFolder, "dotnet-detour");
    public static string Apps => Path.Combine(Root, "apps");

    /// <summary>`.ci/platforms runtime-only` runs the suite with DETOUR_ENGINE=runtime, which every app inherits: the agent
    /// patches no native code, and every edit goes through the runtime's own update. Where that differs (a running loop
    /// keeps its old body), a test expects what this mode does.</summary>
    public static bool EngineOff => Environment.GetEnvironmentVariable("DETOUR_ENGINE") == "runtime";

    static string? SharedInstall => Environment.GetEnvironmentVariable("DETOUR_E2E_INSTALL") is { Length: > 0 } folder ? Path.GetFullPath(folder) : null;

    [OneTimeSetUp]
    public void PackAndInstall()
    {
        Root = SharedInstall ?? Path.Combine(Path.GetTempPath(), "detour-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        if (Directory.Exists(Apps)) Directory.Delete(Apps, recursive: true); // a shared install's apps are the last run's
        Directory.CreateDirectory(Apps);
        if (File.Exists(Tool)) return;
        // The checkout is packed with the user's own NuGet cache: its restore files must keep pointing there.
        Run(RepoRoot(), ownCache: false, "dotnet", "pack", "-c", "Release", "-o", Packages, "-nologo", "-v:q");
        Run(Root, "dotnet", "tool", "install", "--tool-path", ToolFolder, "--add-source", Packages, "dotnet-detour");
        Assert.That(File.Exists(Tool), "the tool is installed");
    }

    [OneTimeTearDown]
    public void RemoveEverything()
    {
        Sockets.StopHostsStartedUnder(Apps);
        try { Directory.Delete(SharedInstall is null ? Root : Apps, recursive: true); } catch (IOException) { }
    }

    /// <summary>The environment of every process a test starts: this run's NuGet cache, no stray Detour settings.</summary>
    public static void Prepare(ProcessStartInfo start)
    {
        start.Environment["NUGET_PACKAGES"] = NuGetCache;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // Settings this test process inherited are not passed on; those a test set on purpose are kept.
        foreach (var name in new[] { "DOTNET_STARTUP_HOOKS", "DETOUR_HOST", "DETOUR_APP", "DETOUR_APP_PARENT", "DETOUR_DISABLE", "DETOUR_COMMANDS" })
            if (start.Environment.TryGetValue(name, out var value) && value == Environment.GetEnvironmentVariable(name))
                start.Environment.Remove(name);
        // Without the engine every edit is a runtime update, which needs the runtime's updates on: the tool and
        // `dotnet run` turn them on; an app started from its dll gets what Detour's refusal tells the user to set.
        if (EngineOff) start.Environment.TryAdd("DOTNET_MODIFIABLE_ASSEMBLIES", "debug");
    }

    /// <summary>Runs a command to its end; throws with its output if it fails.</summary>
    public static string Run(string directory, string file, params string[] arguments) => Run(directory, ownCache: true, file, arguments);

    static string Run(string directory, bool ownCache, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Prepare(start);
        if (!ownCache) start.Environment.Remove("NUGET_PACKAGES");
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd() + errors.Result;
        if (!process.WaitForExit(TimeSpan.FromMinutes(8))) { process.Kill(entireProcessTree: true); throw new TimeoutException($"{file} {string.Join(' ', arguments)}"); }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{output}");
        return output;
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Detour.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    /// <summary>Copies test apps (folders under TestApps/) into a fresh folder of this run; returns that folder.</summary>
    public static string CopyApps(string name, params string[] apps)
    {
        string folder = Path.Combine(Apps, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        string source = Path.Combine(RepoRoot(), "tests", "Detour.EndToEnd.Tests", "TestApps");
        foreach (var app in apps)
        foreach (var file in Directory.GetFiles(Path.Combine(source, app), "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(folder, app, Path.GetRelativePath(Path.Combine(source, app), file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
            File.SetLastWriteTimeUtc(copy, DateTime.UtcNow.AddHours(-1)); // older than any build of it
        }
        File.WriteAllText(Path.Combine(folder, "nuget.config"),
            $"<configuration><packageSources><add key=\"detour-local\" value=\"{Packages}\" /></packageSources></configuration>");
        return folder;
    }
}
