using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>A process under test (the tool running an app, or an app itself); its output is collected line by line,
/// colour codes removed, stderr lines marked "stderr: ". Dispose kills it and everything it started.</summary>
public sealed class RunningApp : IDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _lines = new();
    readonly ConcurrentQueue<string> _stdout = new();
    readonly HashSet<int> _consumed = new(); // positions in _lines already returned by WaitFor
    int _forgotten;                          // lines dropped by ForgetOutput, so positions stay meaningful

    public RunningApp(ProcessStartInfo start, bool closeInput = false)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        Installed.Prepare(start);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            _stdout.Enqueue(e.Data);
            _lines.Enqueue(Regex.Replace(e.Data, "\u001b\\[[0-9;]*[mK]", ""));
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue("stderr: " + Regex.Replace(e.Data, "\u001b\\[[0-9;]*[mK]|\r", "")); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (closeInput) _process.StandardInput.Close();
    }

    /// <summary>`dotnet-detour run` in the project's folder, as installed from the packages.</summary>
    public static RunningApp Tool(string projectFolder, params string[] arguments) => Tool(projectFolder, null, arguments);

    public static RunningApp Tool(string projectFolder, Action<ProcessStartInfo>? adjust, params string[] arguments)
    {
        var start = new ProcessStartInfo(Installed.Tool) { WorkingDirectory = projectFolder };
        start.ArgumentList.Add("run");
        foreach (var a in arguments) start.ArgumentList.Add(a);
        adjust?.Invoke(start);
        return new RunningApp(start);
    }

    /// <summary>`dotnet-detour VERB ...` from another terminal; returns what it printed.</summary>
    public static string Command(string projectFolder, params string[] arguments)
    {
        var start = new ProcessStartInfo(Installed.Tool) { WorkingDirectory = projectFolder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Installed.Prepare(start);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            return $"`detour {string.Join(" ", arguments)}` did not answer within 60 s";
        }
        return output.Result + errors.Result;
    }

    public IReadOnlyCollection<string> Lines => _lines;
    /// <summary>Exactly what the process wrote to its standard output.</summary>
    public IReadOnlyCollection<string> Stdout => _stdout;
    public StreamWriter Input => _process.StandardInput;
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public int WaitForExit(int seconds = 60)
    {
        Assert.That(_process.WaitForExit(seconds * 1000), Is.True, "the process exited");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void ForgetOutput()
    {
        _forgotten += _lines.Count;
        _lines.Clear();
    }

    /// <summary>The first line matching that has not been returned before.</summary>
    public string WaitFor(Func<string, bool> match, string what, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            int position = _forgotten;
            foreach (var line in _lines)
            {
                int at = position++;
                if (!_consumed.Contains(at) && match(line))
                {
                    _consumed.Add(at);
                    return line;
                }
            }
            if (_process.HasExited)
            {
                _process.WaitForExit(); // drains the output still buffered
                Assert.Fail($"the process exited (code {_process.ExitCode}) while waiting for {what}; {LastLines}");
            }
            Thread.Sleep(10);
        }
        Assert.Fail($"timed out after {seconds} s waiting for {what}; {LastLines}");
        return "";
    }

    string LastLines => "its last lines:\n" + string.Join("\n", _lines.TakeLast(20));

    /// <summary>Kills only this process, not what it started (a compile host it spawned lives on).</summary>
    public void KillAlone()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: false);
        _process.WaitForExit(5000);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { }
        // Everything Detour said, and the last lines.
        TestContext.Out.WriteLine(string.Join("\n", _lines.Where(l => l.Contains("detour")).Concat(_lines.TakeLast(10))));
        _process.Dispose();
    }

    /// <summary>Saves the way many editors do: write a temp file, then rename it over the original.</summary>
    public static void Save(string path, string from, string to) => Save(path, (from, to));

    /// <summary>Several replacements in one save, written by rename as editors save.</summary>
    public static void Save(string path, params (string From, string To)[] edits)
    {
        string text = File.ReadAllText(path);
        foreach (var (from, to) in edits)
        {
            Assert.That(text, Does.Contain(from), "test setup: text to replace");
            text = text.Replace(from, to);
        }
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
