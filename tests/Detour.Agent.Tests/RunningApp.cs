using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Detour.Agent.Tests;

/// <summary>An app under test, started as a real process; its output is collected line by line
/// (colour codes removed). Dispose kills it and everything it started.</summary>
public sealed class RunningApp : IDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _lines = new();
    readonly HashSet<int> _consumed = new(); // positions in _lines already returned by WaitFor
    int _forgotten;                          // lines dropped by ForgetOutput, so positions stay meaningful

    public RunningApp(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(Regex.Replace(e.Data, "\u001b\\[[0-9;]*[mK]", "")); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue("stderr: " + e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyCollection<string> Lines => _lines;
    public StreamWriter Input => _process.StandardInput;
    public void ForgetOutput()
    {
        _forgotten += _lines.Count;
        _lines.Clear();
    }

    /// <summary>The first line matching that has not been returned before.</summary>
    public string WaitFor(Func<string, bool> match, string what, int seconds = 30)
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
            Assert.That(_process.HasExited, Is.False, $"the app exited while waiting for {what}");
            Thread.Sleep(10);
        }
        Assert.Fail($"timed out after {seconds} s waiting for {what}");
        return "";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { }
        // Everything the agent said, and the app's last lines.
        TestContext.Out.WriteLine(string.Join("\n", _lines.Where(l => l.Contains("detour")).Concat(_lines.TakeLast(10))));
        _process.Dispose();
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Detour.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    /// <summary>Puts back a source file as the app was built from it: same text, and a time before the build,
    /// so the agent does not take it for a file saved after the build.</summary>
    public static void Restore(string original, string copy)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        if (!File.Exists(copy) || File.ReadAllText(copy) != File.ReadAllText(original)) File.Copy(original, copy, overwrite: true);
        File.SetLastWriteTimeUtc(copy, DateTime.UtcNow.AddHours(-1));
    }

    /// <summary>Saves the way many editors do: write a temp file, then rename it over the original.</summary>
    public static void Save(string path, string from, string to)
    {
        string text = File.ReadAllText(path);
        Assert.That(text, Does.Contain(from), "test setup: text to replace");
        File.WriteAllText(path + ".tmp", text.Replace(from, to));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
