using System.Runtime.InteropServices;

namespace Detour.Tool.Terminal;

/// <summary>The app, started on a pseudo-terminal of its own: it is a session leader whose controlling terminal is
/// the pty's slave end, so Console.ReadKey, colours, Ctrl+C and window sizes work as in a real terminal, while every
/// byte the user types passes through the tool first (the escape key, the restart key).</summary>
internal sealed unsafe class PseudoTerminalApp : IRunningApp
{
    readonly int _pid;
    int _exitCode = -1;
    readonly ManualResetEventSlim _exited = new();
    readonly Thread _output;

    PseudoTerminalApp(int master, int pid, Action<ReadOnlySpan<byte>> output)
    {
        Master = master;
        _pid = pid;
        new Thread(WaitForChild) { IsBackground = true, Name = "detour app waiter" }.Start();
        _output = new Thread(() => CopyOutput(output)) { IsBackground = true, Name = "detour app output" };
        _output.Start();
    }

    /// <summary>The tool's end: what the app writes is read here, and what the user types is written here.</summary>
    public int Master { get; }

    public int ExitCode => _exitCode;

    public static PseudoTerminalApp Start(string command, IReadOnlyList<string> arguments, string directory,
        IReadOnlyDictionary<string, string?> environment, TerminalState? like, Action<ReadOnlySpan<byte>> output)
    {
        int master = Libc.PosixOpenpt(Libc.ORdwr | Libc.ONoctty | Libc.OCloexec);
        if (master < 0 || Libc.Grantpt(master) != 0 || Libc.Unlockpt(master) != 0)
            throw new ToolException($"could not open a pseudo-terminal for the app (errno {Libc.LastError})");
        byte* name = stackalloc byte[256];
        if (Libc.PtsnameR(master, name, 256) != 0) { Libc.Close(master); throw new ToolException("could not name the app's pseudo-terminal"); }
        // The app's terminal starts as the user's: the same modes (erase key, say) and the same size.
        int slave = Libc.Open(name, Libc.ORdwr | Libc.ONoctty | Libc.OCloexec);
        if (slave >= 0)
        {
            like?.CopyTo(slave);
            Libc.Close(slave);
        }
        TerminalState.CopyWindowSize(0, master);

        var strings = new List<nint>();
        byte* Own(string s) { var p = Libc.Utf8(s); strings.Add((nint)p); return p; }
        byte* actions = stackalloc byte[Libc.SpawnFileActionsSize];
        byte* attributes = stackalloc byte[Libc.SpawnAttrSize];
        byte* allSignals = stackalloc byte[Libc.SigsetSize];
        byte* noSignals = stackalloc byte[Libc.SigsetSize];
        Libc.FileActionsInit(actions);
        Libc.SpawnAttrInit(attributes);
        try
        {
            // setsid runs before the file actions, so opening the slave (without O_NOCTTY) makes it the new
            // session's controlling terminal; then it becomes stdin, stdout and stderr.
            Libc.FileActionsAddOpen(actions, 0, name, Libc.ORdwr, 0);
            Libc.FileActionsAddDup2(actions, 0, 1);
            Libc.FileActionsAddDup2(actions, 0, 2);
            Libc.FileActionsAddChdir(actions, Own(directory));
            // The runtime ignores SIGPIPE and may block signals on this thread; the app starts with neither.
            Libc.Sigfillset(allSignals);
            Libc.Sigemptyset(noSignals);
            Libc.SpawnAttrSetSigDefault(attributes, allSignals);
            Libc.SpawnAttrSetSigMask(attributes, noSignals);
            Libc.SpawnAttrSetFlags(attributes, Libc.PosixSpawnSetsid | Libc.PosixSpawnSetsigdef | Libc.PosixSpawnSetsigmask);

            var argv = stackalloc byte*[arguments.Count + 2];
            argv[0] = Own(command);
            for (int i = 0; i < arguments.Count; i++) argv[i + 1] = Own(arguments[i]);
            argv[arguments.Count + 1] = null;
            var variables = environment.Where(v => v.Value is not null).ToList();
            var envp = (byte**)NativeMemory.Alloc((nuint)(variables.Count + 1), (nuint)sizeof(byte*));
            try
            {
                for (int i = 0; i < variables.Count; i++) envp[i] = Own($"{variables[i].Key}={variables[i].Value}");
                envp[variables.Count] = null;
                int error = Libc.PosixSpawnp(out int pid, argv[0], actions, attributes, argv, envp);
                if (error != 0)
                {
                    Libc.Close(master);
                    throw new ToolException($"could not start {command} (errno {error})");
                }
                return new PseudoTerminalApp(master, pid, output);
            }
            finally { NativeMemory.Free(envp); }
        }
        finally
        {
            Libc.FileActionsDestroy(actions);
            Libc.SpawnAttrDestroy(attributes);
            foreach (var p in strings) Marshal.FreeCoTaskMem(p);
        }
    }

    void WaitForChild()
    {
        int status, result;
        do result = Libc.Waitpid(_pid, out status, 0);
        while (result < 0 && Libc.LastError == Libc.Eintr);
        // Exited: its code; killed by a signal: 128 + the signal, as shells report it.
        _exitCode = result < 0 ? -1 : (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
        _exited.Set();
    }

    void CopyOutput(Action<ReadOnlySpan<byte>> output)
    {
        var buffer = new byte[16384];
        for (int got; (got = Libc.ReadSome(Master, buffer)) > 0;) output(buffer.AsSpan(0, got));
    }

    /// <summary>Until the app has exited and its last output is out, so that it comes before the tool's next line.</summary>
    public void WaitForExit()
    {
        _exited.Wait();
        if (_output.Join(TimeSpan.FromSeconds(2))) return;
        // A child the app left behind holds its terminal open: it goes with the app's group.
        Kill(force: true);
        _output.Join(TimeSpan.FromSeconds(2));
    }

    /// <summary>The app and whatever it started in its session: the group it leads.</summary>
    public void Kill() => Kill(force: false);

    void Kill(bool force)
    {
        if (_exited.IsSet && !force) return;
        Libc.Kill(-_pid, Libc.Sigkill);
        if (!_exited.IsSet) Libc.Kill(_pid, Libc.Sigkill);
    }

    public void Dispose()
    {
        Kill();
        // A descriptor still being read is left open rather than closed and reused under the reader.
        if (!_output.IsAlive) Libc.Close(Master);
    }
}
