namespace Detour.Tool.Terminal;

/// <summary>A terminal's modes (glibc's struct termios, kept as bytes), as the user had them: the tool puts its own
/// terminal into raw input while the app runs on its pty, and puts these back when it is done.</summary>
internal sealed unsafe class TerminalState
{
    // struct termios: tcflag_t c_iflag, c_oflag, c_cflag, c_lflag; cc_t c_line; cc_t c_cc[32]; ...
    const int InputFlags = 0, LocalFlags = 12, ControlChars = 17, Vtime = 5, Vmin = 6;
    const uint Ignbrk = 0x1, Brkint = 0x2, Parmrk = 0x8, Istrip = 0x20, Inlcr = 0x40, Igncr = 0x80, Icrnl = 0x100, Ixon = 0x400;
    const uint Isig = 0x1, Icanon = 0x2, Echo = 0x8, Echonl = 0x40, Iexten = 0x8000;

    readonly byte[] _modes = new byte[Libc.TermiosSize];

    TerminalState() { }

    /// <summary>The modes of <paramref name="fd"/>; null if it is not a terminal.</summary>
    public static TerminalState? Of(int fd)
    {
        var state = new TerminalState();
        fixed (byte* modes = state._modes)
            return Libc.Tcgetattr(fd, modes) == 0 ? state : null;
    }

    public void CopyTo(int fd)
    {
        fixed (byte* modes = _modes) Libc.Tcsetattr(fd, Libc.TcsaNow, modes);
    }

    /// <summary>Every key reaches the tool at once and as it is (Ctrl+C too, which the app's own terminal then turns
    /// into the app's SIGINT). Output processing stays on, so the tool's lines still end where they should.</summary>
    public void ApplyRawInput(int fd)
    {
        var raw = (byte[])_modes.Clone();
        fixed (byte* modes = raw)
        {
            *(uint*)(modes + InputFlags) &= ~(Ignbrk | Brkint | Parmrk | Istrip | Inlcr | Igncr | Icrnl | Ixon);
            *(uint*)(modes + LocalFlags) &= ~(Echo | Echonl | Icanon | Isig | Iexten);
            modes[ControlChars + Vmin] = 1;
            modes[ControlChars + Vtime] = 0;
            Libc.Tcsetattr(fd, Libc.TcsaNow, modes);
        }
    }

    /// <summary>Rows and columns of the terminal at <paramref name="fd"/>; null if it has no size.</summary>
    public static (int Rows, int Columns)? WindowSize(int fd)
    {
        ulong size;
        if (Libc.Ioctl(fd, Libc.TiocGwinsz, &size) != 0) return null;
        int rows = (ushort)size, columns = (ushort)(size >> 16);
        return rows > 0 && columns > 0 ? (rows, columns) : null;
    }

    public static void CopyWindowSize(int from, int to)
    {
        ulong size; // struct winsize: four unsigned shorts
        if (Libc.Ioctl(from, Libc.TiocGwinsz, &size) == 0) Libc.Ioctl(to, Libc.TiocSwinsz, &size);
    }
}
