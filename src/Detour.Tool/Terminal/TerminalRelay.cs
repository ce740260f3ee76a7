using System.Runtime.InteropServices;
using System.Text;

namespace Detour.Tool.Terminal;

/// <summary>The tool's terminal while the app runs on its own pseudo-terminal. Every key goes to the app as typed,
/// except two: the escape key opens a one-line Detour prompt (for apps that never read their input, %-lines cannot
/// work), and, while an edit waits for a restart, the restart key restarts the app. The app's output is copied to
/// the tool's stdout as it comes, and held while the prompt is open so that the prompt's line stays whole.</summary>
internal sealed unsafe class TerminalRelay : IDisposable
{
    public const byte EscapeKey = 0x1d, RestartKey = 0x12; // Ctrl+], Ctrl+R
    public const string EscapeKeyName = "Ctrl+]", RestartKeyName = "Ctrl+R";
    const byte Enter = 0x0d, LineFeed = 0x0a, Escape = 0x1b, Delete = 0x7f, Backspace = 0x08, CtrlC = 0x03;
    const int HeldLimit = 1 << 20;

    readonly TerminalState _user;
    readonly Func<string, IReadOnlyList<string>> _runCommand;
    readonly Action _restart;
    readonly Action _interrupted;
    readonly Action<string> _say;
    readonly object _gate = new();
    readonly List<byte> _line = [];
    readonly List<byte[]> _held = [];
    readonly PosixSignalRegistration? _resize;
    PseudoTerminalApp? _app;
    bool _promptOpen;
    int _heldBytes;
    volatile bool _restartArmed;

    /// <summary>Linux, with the tool's stdin and stdout on a terminal, and in-terminal commands not turned off.</summary>
    public static bool Wanted() =>
        OperatingSystem.IsLinux() && Libc.Isatty(0) == 1 && Libc.Isatty(1) == 1 &&
        Environment.GetEnvironmentVariable("DETOUR_COMMANDS") != "0";

    TerminalRelay(TerminalState user, Func<string, IReadOnlyList<string>> runCommand, Action restart, Action interrupted, Action<string> say)
    {
        _interrupted = interrupted;
        _user = user;
        _runCommand = runCommand;
        _restart = restart;
        _say = say;
        _user.ApplyRawInput(0);
        new Thread(ReadKeys) { IsBackground = true, Name = "detour keys" }.Start();
        if (OperatingSystem.IsLinux()) _resize = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ =>
        {
            lock (_gate) if (_app is { } app) TerminalState.CopyWindowSize(0, app.Master);
        });
    }

    /// <param name="runCommand">Runs a %-line on the app and gives back the lines of its answer.</param>
    /// <param name="interrupted">Ctrl+C while no app runs (during a restart's build, say): the user wants out.</param>
    public static TerminalRelay? TryStart(Func<string, IReadOnlyList<string>> runCommand, Action restart, Action interrupted, Action<string> say) =>
        TerminalState.Of(0) is { } user ? new TerminalRelay(user, runCommand, restart, interrupted, say) : null;

    /// <summary>The modes the user's terminal had: the app's own terminal starts with them.</summary>
    public TerminalState UserModes => _user;

    public void Attach(PseudoTerminalApp app)
    {
        lock (_gate) _app = app;
        _restartArmed = false;
    }

    public void Detach(PseudoTerminalApp app)
    {
        lock (_gate) if (_app == app) _app = null;
    }

    /// <summary>From now until the next start of the app, the restart key restarts it.</summary>
    public void ArmRestartKey() => _restartArmed = true;

    /// <summary>The app's output, as it comes; held while the prompt is open.</summary>
    public void Output(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
            if (_promptOpen && _heldBytes < HeldLimit)
            {
                _held.Add(bytes.ToArray());
                _heldBytes += bytes.Length;
                return;
            }
        Libc.WriteAll(1, bytes);
    }

    void ReadKeys()
    {
        var buffer = new byte[1024];
        fixed (byte* at = buffer)
            while (true)
            {
                nint got = Libc.Read(0, at, buffer.Length);
                if (got < 0 && Libc.LastError == Libc.Eintr) continue;
                if (got <= 0) return;
                try { Dispatch(new ReadOnlySpan<byte>(at, (int)got)); }
                catch (Exception e) { _say($"the Detour prompt failed: {e.Message}"); }
            }
    }

    void Dispatch(ReadOnlySpan<byte> keys)
    {
        int forwardFrom = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            byte key = keys[i];
            if (_promptOpen)
            {
                i = Prompt(keys, i);
                forwardFrom = i + 1;
            }
            else if (key == EscapeKey || (key == RestartKey && _restartArmed))
            {
                Forward(keys[forwardFrom..i]);
                forwardFrom = i + 1;
                if (key == EscapeKey) OpenPrompt();
                else { _restartArmed = false; _say("restarting the app"); _restart(); }
            }
        }
        if (!_promptOpen) Forward(keys[forwardFrom..]);
    }

    void Forward(ReadOnlySpan<byte> keys)
    {
        if (keys.IsEmpty) return;
        PseudoTerminalApp? app;
        lock (_gate) app = _app;
        if (app is not null) Libc.WriteAll(app.Master, keys);
        else if (keys.Contains(CtrlC)) _interrupted();
    }

    void OpenPrompt()
    {
        lock (_gate) _promptOpen = true;
        _line.Clear();
        WritePrompt("\r\n\u001b[Kdetour> ");
    }

    /// <summary>One key of the prompt's line; returns the index of the last key it used.</summary>
    int Prompt(ReadOnlySpan<byte> keys, int i)
    {
        byte key = keys[i];
        switch (key)
        {
            case Enter or LineFeed:
                WritePrompt("\r\n");
                string line = Encoding.UTF8.GetString(_line.ToArray()).Trim();
                ClosePrompt();
                if (line.Length > 0) RunLine(line);
                return i;
            case Escape or EscapeKey or CtrlC:
                WritePrompt("\r\u001b[K");
                ClosePrompt();
                // The rest of an escape sequence (an arrow key, say) is the prompt's too, not the app's.
                if (key == Escape && i + 1 < keys.Length && keys[i + 1] is (byte)'[' or (byte)'O')
                {
                    i += 2;
                    while (i < keys.Length && keys[i] is < 0x40 or > 0x7e) i++;
                    i = Math.Min(i, keys.Length - 1);
                }
                return i;
            case Delete or Backspace:
                if (_line.Count == 0) return i;
                // A whole UTF-8 character: its continuation bytes, then its lead byte.
                while (_line.Count > 1 && (_line[^1] & 0xc0) == 0x80) _line.RemoveAt(_line.Count - 1);
                _line.RemoveAt(_line.Count - 1);
                WritePrompt("\b \b");
                return i;
            default:
                if (key < 0x20) return i;
                _line.Add(key);
                Libc.WriteAll(2, [key]);
                return i;
        }
    }

    void ClosePrompt()
    {
        lock (_gate) // written under the lock, so that nothing the app writes next can pass them
        {
            _promptOpen = false;
            foreach (var bytes in _held) Libc.WriteAll(1, bytes);
            _held.Clear();
            _heldBytes = 0;
        }
    }

    void RunLine(string line)
    {
        if (!line.StartsWith('%')) line = "%" + line;
        foreach (var answer in _runCommand(line)) _say(answer);
    }

    static void WritePrompt(string text) => Libc.WriteAll(2, Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        _resize?.Dispose();
        _user.CopyTo(0);
    }
}
