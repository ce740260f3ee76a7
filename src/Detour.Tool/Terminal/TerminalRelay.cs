using System.Runtime.InteropServices;
using System.Text;

namespace Detour.Tool.Terminal;

/// <summary>The tool's terminal while the app runs on its own pseudo-terminal, and the only writer to it. The app's
/// output is copied as it comes, and held while the prompt is open. Detour's own lines are written between the app's
/// lines when the app is line-oriented; while it shows a full-screen UI they wait (<see cref="DetourLines"/>), the
/// prompt shows them, and they are written once the app leaves its screen or ends. Keys go through
/// <see cref="KeyRouter"/>.</summary>
internal sealed class TerminalRelay : IKeyTarget, IDisposable
{
    const byte CtrlC = 0x03;
    const int HeldLimit = 1 << 20;

    readonly TerminalState _user;
    readonly Func<string, IReadOnlyList<string>> _runCommand;
    readonly Action _restart;
    readonly Action _interrupted;
    readonly object _gate = new();
    readonly object _keysGate = new(); // the key router is used by the keys' thread and, once, by the app's end; taken before _gate
    readonly List<byte[]> _held = [];
    readonly PosixSignalRegistration? _resize;
    readonly KeyRouter _keys;
    readonly AppScreen _screen = new(() => TerminalState.WindowSize(0)?.Rows ?? 24);
    readonly DetourLines _lines = new();
    PseudoTerminalApp? _app;
    bool _promptOpen;
    int _heldBytes;
    PromptArea? _prompt;
    string _typed = "";
    readonly List<byte> _appsLine = []; // what the app wrote since its last newline: its prompt, and the keys echoed

    /// <summary>Linux, with the tool's stdin and stdout on a terminal, and in-terminal commands not turned off.</summary>
    public static bool Wanted() =>
        OperatingSystem.IsLinux() && Libc.Isatty(0) == 1 && Libc.Isatty(1) == 1 &&
        Environment.GetEnvironmentVariable("DETOUR_COMMANDS") != "0";

    TerminalRelay(TerminalState user, Func<string, IReadOnlyList<string>> runCommand, Action restart, Action interrupted)
    {
        _interrupted = interrupted;
        _keys = new KeyRouter(this);
        _user = user;
        _runCommand = runCommand;
        _restart = restart;
        _user.ApplyRawInput(0);
        new Thread(ReadKeys) { IsBackground = true, Name = "detour keys" }.Start();
        if (OperatingSystem.IsLinux()) _resize = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ =>
        {
            lock (_gate) if (_app is { } app) TerminalState.CopyWindowSize(0, app.Master);
        });
    }

    /// <param name="runCommand">Runs a %-line on the app and gives back the lines of its answer.</param>
    /// <param name="interrupted">Ctrl+C while no app runs (during a restart's build, say): the user wants out.</param>
    public static TerminalRelay? TryStart(Func<string, IReadOnlyList<string>> runCommand, Action restart, Action interrupted) =>
        TerminalState.Of(0) is { } user ? new TerminalRelay(user, runCommand, restart, interrupted) : null;

    /// <summary>The modes the user's terminal had: the app's own terminal starts with them.</summary>
    public TerminalState UserModes => _user;

    public void Attach(PseudoTerminalApp app)
    {
        lock (_gate) _app = app;
        _keys.RestartArmed = false;
    }

    /// <summary>The app has ended and its last output is in: the prompt closes, what it held is written, the terminal
    /// leaves a screen the app left it on, and Detour's waiting lines follow.</summary>
    public void Detach(PseudoTerminalApp app)
    {
        lock (_keysGate)
        lock (_gate)
        {
            if (_app != app) return;
            _app = null;
            _keys.CloseForGood();
            if (_screen.AlternateScreen) Write(1, "\u001b[?1049l");
            Write(1, "\u001b[0m\u001b[?25h");
            _screen.Reset();
            // The app's last line stays as it left it: Detour's lines go below it.
            if (_appsLine.Count > 0) Write(1, "\r\n");
            _appsLine.Clear();
            WriteWaitingLines();
        }
    }

    /// <summary>From now until the next start of the app, the restart key restarts it.</summary>
    public void ArmRestartKey() => _keys.RestartArmed = true;

    /// <summary>One of Detour's lines. A prompt open over a full-screen app shows it at once.</summary>
    public void Say(string line)
    {
        lock (_gate)
        {
            _lines.Add(line);
            if (_promptOpen && _prompt is { ShowsLines: true } shown)
            {
                _prompt = PromptArea.AtTheBottom(_lines.Recent);
                Write(2, shown.Close(entered: false) + _prompt.Open() + _typed);
            }
            WriteWaitingLines();
        }
    }

    /// <summary>The app's output, as it comes; held while the prompt is open.</summary>
    public void Output(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            _screen.Saw(bytes);
            if (_promptOpen)
            {
                if (_heldBytes < HeldLimit) { _held.Add(bytes.ToArray()); _heldBytes += bytes.Length; }
                return;
            }
            Libc.WriteAll(1, bytes);
            KeepAppsLine(bytes);
            WriteWaitingLines();
        }
    }

    void KeepAppsLine(ReadOnlySpan<byte> bytes)
    {
        int newline = bytes.LastIndexOf((byte)'\n');
        if (newline >= 0) { _appsLine.Clear(); bytes = bytes[(newline + 1)..]; }
        if (_appsLine.Count + bytes.Length <= 4096) _appsLine.AddRange(bytes);
        else _appsLine.Clear(); // a line that long is no prompt to keep
    }

    /// <summary>Detour's lines that wait, written where the app's lines go, unless the app's screen is its own now.</summary>
    void WriteWaitingLines()
    {
        if (_promptOpen || _screen.IsFullScreen) return;
        var lines = _lines.TakeUnwritten();
        if (lines.Count == 0) return;
        // Detour's lines take the app's current line, and the app's prompt (with what the user typed) follows them.
        Write(2, string.Concat(lines.Select(line => "\r\u001b[K" + DetourLines.Prefix + line + "\r\n")));
        if (_appsLine.Count > 0) Libc.WriteAll(1, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_appsLine));
    }

    void ReadKeys()
    {
        var buffer = new byte[1024];
        while (true)
        {
            if (_keys.WaitingAfterEscape &&
                !Libc.HasInput(0, _screen.CursorQueriesWaiting > 0 ? KeyRouter.AnswerWait : KeyRouter.EscapeWait))
            {
                Guarded(_keys.EscapeTimedOut);
                continue;
            }
            int got = Libc.ReadSome(0, buffer);
            if (got <= 0) return;
            Guarded(() => _keys.Route(buffer.AsSpan(0, got)));
        }
    }

    void Guarded(Action route)
    {
        try { lock (_keysGate) route(); }
        catch (Exception e) { Say($"the Detour prompt failed: {e.Message}"); }
    }

    void IKeyTarget.ToApp(ReadOnlySpan<byte> bytes)
    {
        PseudoTerminalApp? app;
        lock (_gate)
        {
            app = _app;
            // A cursor position the app asked for is on its way to it.
            if (bytes.Length > 2 && bytes[^1] == (byte)'R' && bytes[0] == 0x1b) _screen.Answered();
        }
        if (app is not null) Libc.WriteAll(app.Master, bytes);
        else if (bytes.Contains(CtrlC)) _interrupted();
    }

    void IKeyTarget.Echo(string text)
    {
        lock (_gate)
        {
            _typed = text == "\b \b" ? RemoveLastCharacter(_typed) : _typed + text;
            Write(2, text);
        }
    }

    static string RemoveLastCharacter(string text) =>
        text.Length == 0 ? text : text[..(text.Length - (char.IsLowSurrogate(text[^1]) && text.Length > 1 ? 2 : 1))];

    void IKeyTarget.PromptOpened()
    {
        lock (_gate)
        {
            _promptOpen = true;
            _typed = "";
            _prompt = _screen.IsFullScreen ? PromptArea.AtTheBottom(_lines.Recent) : PromptArea.OnTheNextLine();
            Write(2, _prompt.Open());
        }
    }

    void IKeyTarget.PromptClosed(bool entered)
    {
        lock (_gate) // written under the lock, so that nothing the app writes next can pass them
        {
            _promptOpen = false;
            if (_prompt is { } prompt) Write(2, prompt.Close(entered));
            _prompt = null;
            foreach (var bytes in _held) { Libc.WriteAll(1, bytes); KeepAppsLine(bytes); }
            _held.Clear();
            _heldBytes = 0;
            WriteWaitingLines();
        }
    }

    void IKeyTarget.Command(string line)
    {
        foreach (var answer in _runCommand(line)) Say(answer);
        // On an app's own screen the answer waits with Detour's other lines: the prompt opens again to show it.
        bool showAgain;
        lock (_gate) showAgain = _screen.IsFullScreen && _app is not null;
        if (showAgain) _keys.OpenPrompt();
    }

    void IKeyTarget.Restart()
    {
        Say("restarting the app");
        _restart();
    }

    static void Write(int fd, string text) => Libc.WriteAll(fd, Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        _resize?.Dispose();
        lock (_gate) WriteWaitingLines();
        _user.CopyTo(0);
    }
}
