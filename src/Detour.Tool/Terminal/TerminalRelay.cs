using System.Runtime.InteropServices;
using System.Text;

namespace Detour.Tool.Terminal;

/// <summary>The tool's terminal while the app runs on its own pseudo-terminal. Every key goes to the app as typed,
/// except two: the escape key opens a one-line Detour prompt (for apps that never read their input, %-lines cannot
/// work), and, while an edit waits for a restart, the restart key restarts the app. The app's output is copied to
/// the tool's stdout as it comes, and held while the prompt is open so that the prompt's line stays whole.</summary>
internal sealed class TerminalRelay : IKeyTarget, IDisposable
{
    const byte CtrlC = 0x03;
    const int HeldLimit = 1 << 20;

    readonly TerminalState _user;
    readonly Func<string, IReadOnlyList<string>> _runCommand;
    readonly Action _restart;
    readonly Action _interrupted;
    readonly Action<string> _say;
    readonly object _gate = new();
    readonly List<byte[]> _held = [];
    readonly PosixSignalRegistration? _resize;
    PseudoTerminalApp? _app;
    bool _promptOpen;
    int _heldBytes;
    readonly KeyRouter _keys;

    /// <summary>Linux, with the tool's stdin and stdout on a terminal, and in-terminal commands not turned off.</summary>
    public static bool Wanted() =>
        OperatingSystem.IsLinux() && Libc.Isatty(0) == 1 && Libc.Isatty(1) == 1 &&
        Environment.GetEnvironmentVariable("DETOUR_COMMANDS") != "0";

    TerminalRelay(TerminalState user, Func<string, IReadOnlyList<string>> runCommand, Action restart, Action interrupted, Action<string> say)
    {
        _interrupted = interrupted;
        _keys = new KeyRouter(this);
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
        _keys.RestartArmed = false;
    }

    public void Detach(PseudoTerminalApp app)
    {
        lock (_gate) if (_app == app) _app = null;
    }

    /// <summary>From now until the next start of the app, the restart key restarts it.</summary>
    public void ArmRestartKey() => _keys.RestartArmed = true;

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
        for (int got; (got = Libc.ReadSome(0, buffer)) > 0;)
        {
            try { _keys.Route(buffer.AsSpan(0, got)); }
            catch (Exception e) { _say($"the Detour prompt failed: {e.Message}"); }
        }
    }

    void IKeyTarget.ToApp(ReadOnlySpan<byte> keys)
    {
        PseudoTerminalApp? app;
        lock (_gate) app = _app;
        if (app is not null) Libc.WriteAll(app.Master, keys);
        else if (keys.Contains(CtrlC)) _interrupted();
    }

    void IKeyTarget.Echo(string text) => Libc.WriteAll(2, Encoding.UTF8.GetBytes(text));

    void IKeyTarget.PromptOpened()
    {
        lock (_gate) _promptOpen = true;
    }

    void IKeyTarget.PromptClosed()
    {
        lock (_gate) // written under the lock, so that nothing the app writes next can pass them
        {
            _promptOpen = false;
            foreach (var bytes in _held) Libc.WriteAll(1, bytes);
            _held.Clear();
            _heldBytes = 0;
        }
    }

    void IKeyTarget.Command(string line)
    {
        foreach (var answer in _runCommand(line)) _say(answer);
    }

    void IKeyTarget.Restart()
    {
        _say("restarting the app");
        _restart();
    }

    public void Dispose()
    {
        _resize?.Dispose();
        _user.CopyTo(0);
    }
}
