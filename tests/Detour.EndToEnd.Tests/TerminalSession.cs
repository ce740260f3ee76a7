using System.Diagnostics;
using System.Text;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>`dotnet detour run` in a pseudo-terminal of util-linux `script`, with this test as the terminal: every byte
/// the tool writes is kept as it came, keys are typed into it, and the terminal's answers to cursor-position queries
/// (CSI 6 n) are sent after <see cref="AnswerDelay"/>, as a terminal over a slow link answers. Dispose kills it all.</summary>
public sealed class TerminalSession : IDisposable
{
    static readonly byte[] CursorQuery = "\u001b[6n"u8.ToArray();
    readonly Process _process;
    readonly List<byte> _output = [];
    readonly object _gate = new();
    readonly Thread _reader;
    int _queriesSeen;

    /// <summary>How long the terminal takes to answer a cursor-position query.</summary>
    public TimeSpan AnswerDelay { get; set; }

    /// <summary>Cursor-position queries answered so far.</summary>
    public int Answered { get; private set; }

    public TerminalSession(string folder, string arguments = "")
    {
        // A 24x80 terminal: script's own pty has no size when this test's input is not a terminal.
        string command = $"stty rows 24 cols 80; exec '{Installed.Tool}' run {arguments}";
        var start = new ProcessStartInfo("script", ["-qfec", command, "/dev/null"])
        {
            WorkingDirectory = folder, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        Installed.Prepare(start);
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _reader = new Thread(Read) { IsBackground = true, Name = "terminal session" };
        _reader.Start();
    }

    void Read()
    {
        var buffer = new byte[8192];
        var stream = _process.StandardOutput.BaseStream;
        for (int got; (got = stream.Read(buffer, 0, buffer.Length)) > 0;)
        {
            int queries;
            lock (_gate)
            {
                _output.AddRange(buffer.AsSpan(0, got));
                queries = Count(CursorQuery) - _queriesSeen;
                _queriesSeen += queries;
            }
            for (int i = 0; i < queries; i++) AnswerLater();
        }
    }

    /// <summary>In order, each after the delay: one thread sends them all.</summary>
    void AnswerLater()
    {
        var delay = AnswerDelay;
        ThreadPool.QueueUserWorkItem(_ =>
        {
            if (delay > TimeSpan.Zero) Thread.Sleep(delay);
            lock (_answering)
            {
                Send("\u001b[1;1R");
                Answered++;
            }
        });
    }

    readonly object _answering = new();

    int Count(byte[] pattern)
    {
        int count = 0;
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_output);
        for (int at; (at = span.IndexOf(pattern)) >= 0; span = span[(at + pattern.Length)..]) count++;
        return count;
    }

    /// <summary>Everything written to the terminal so far, as text.</summary>
    public string Text { get { lock (_gate) return Encoding.UTF8.GetString(_output.ToArray()); } }

    /// <summary>The terminal's text from <paramref name="from"/> on.</summary>
    public int Length { get { lock (_gate) return _output.Count; } }

    public string TextFrom(int from) { lock (_gate) return Encoding.UTF8.GetString(_output.ToArray(), from, _output.Count - from); }

    public void Send(string keys)
    {
        var stream = _process.StandardInput.BaseStream;
        lock (stream)
        {
            try
            {
                stream.Write(Encoding.UTF8.GetBytes(keys));
                stream.Flush();
            }
            catch (IOException) { } // the session ended
        }
    }

    /// <summary>Waits until the terminal's text from <paramref name="from"/> on holds what <paramref name="match"/> wants.</summary>
    public string WaitFor(Func<string, bool> match, string what, int seconds = 60, int from = 0)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            string text = TextFrom(from);
            if (match(text)) return text;
            Assert.That(_process.HasExited && !_reader.IsAlive && !match(TextFrom(from)), Is.False, $"the session ended while waiting for {what}");
            Thread.Sleep(10);
        }
        Assert.Fail($"timed out after {seconds} s waiting for {what}; the terminal shows: {Printable(TextFrom(Math.Max(from, Length - 600)))}");
        return "";
    }

    public int WaitForExit(int seconds = 60)
    {
        Assert.That(_process.WaitForExit(seconds * 1000), Is.True, "the session ended");
        _reader.Join(5000);
        return _process.ExitCode;
    }

    /// <summary>Control characters made visible, for a message.</summary>
    public static string Printable(string text) =>
        string.Concat(text.Select(c => c == '\u001b' ? "\\e" : c < ' ' ? $"^{(char)(c + 64)}" : c.ToString()));

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); }
        catch (InvalidOperationException) { }
        TestContext.Out.WriteLine(Printable(TextFrom(Math.Max(0, Length - 2000))));
        _process.Dispose();
    }
}
