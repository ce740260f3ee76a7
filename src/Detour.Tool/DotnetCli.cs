using System.Diagnostics;
using System.Text.Json;
using Detour.Channel;

namespace Detour.Tool;

/// <summary>The SDK, asked as a user would: `dotnet build` and `dotnet msbuild -getProperty`. Never with a startup
/// hook in its environment, so the CLI, MSBuild and the compiler run as they always do.</summary>
public static class DotnetCli
{
    /// <summary>How to start the app, as `dotnet run` would.</summary>
    public sealed record RunInfo(string Command, string Arguments, string WorkingDirectory, string TargetPath);

    /// <summary>Debug build with Detour.targets imported, so every project of the build writes its manifest. Its
    /// errors are printed; false if it failed.</summary>
    public static bool Build(string project, string targetsFile, ToolOutput output)
    {
        var (code, text) = Run(["build", project, "-c", "Debug", "-nologo", "-v:q", "-clp:NoSummary",
                                $"-p:CustomAfterMicrosoftCommonTargets={targetsFile}"]);
        if (output.Verbosity == Verbosity.Verbose || code != 0)
            foreach (var line in text.Split('\n').Where(l => l.Trim().Length > 0)) Console.Error.WriteLine(line.TrimEnd());
        return code == 0;
    }

    public static RunInfo GetRunInfo(string project)
    {
        var (code, text) = Run(["msbuild", project, "-nologo", "-p:Configuration=Debug",
                                "-getProperty:RunCommand", "-getProperty:RunArguments", "-getProperty:RunWorkingDirectory", "-getProperty:TargetPath"]);
        if (code != 0) throw new ToolException($"MSBuild could not say how to run {Path.GetFileName(project)}: {text.Trim()}");
        var properties = JsonDocument.Parse(text).RootElement.GetProperty("Properties");
        string Get(string name) => properties.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";
        string directory = Get("RunWorkingDirectory");
        return new RunInfo(Get("RunCommand"), Get("RunArguments"), directory.Length > 0 ? directory : Path.GetDirectoryName(project)!, Get("TargetPath"));
    }

    static (int Code, string Output) Run(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(DotnetExecutable.Path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment.Remove("DOTNET_STARTUP_HOOKS");
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + errors.Result);
    }
}
