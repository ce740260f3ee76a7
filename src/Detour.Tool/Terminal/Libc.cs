using System.Runtime.InteropServices;

namespace Detour.Tool.Terminal;

/// <summary>The Linux (glibc, x64 and arm64) calls behind the app's pseudo-terminal. Struct sizes are glibc's, with
/// room to spare; the layouts that are read or written field by field (termios, winsize) are the same on both.</summary>
internal static unsafe partial class Libc
{
    public const int ORdwr = 2, ONoctty = 0x100, OCloexec = 0x80000;
    public const int Eintr = 4, Eio = 5, Eagain = 11;
    public const int Sigkill = 9, Sigterm = 15;
    public const short PosixSpawnSetsid = 0x80, PosixSpawnSetsigdef = 0x04, PosixSpawnSetsigmask = 0x08;
    public const ulong TiocGwinsz = 0x5413, TiocSwinsz = 0x5414;
    public const int TcsaNow = 0;
    public const int SpawnFileActionsSize = 128, SpawnAttrSize = 512, SigsetSize = 128, TermiosSize = 64;

    [LibraryImport("libc", EntryPoint = "posix_openpt", SetLastError = true)]
    public static partial int PosixOpenpt(int flags);

    [LibraryImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    public static partial int Grantpt(int fd);

    [LibraryImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    public static partial int Unlockpt(int fd);

    [LibraryImport("libc", EntryPoint = "ptsname_r", SetLastError = true)]
    public static partial int PtsnameR(int fd, byte* buffer, nint length);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "isatty")]
    public static partial int Isatty(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, ulong request, void* argument);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    public static partial int Tcgetattr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    public static partial int Tcsetattr(int fd, int when, byte* termios);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    public static partial int FileActionsInit(byte* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    public static partial int FileActionsDestroy(byte* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen")]
    public static partial int FileActionsAddOpen(byte* actions, int fd, byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static partial int FileActionsAddDup2(byte* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np")]
    public static partial int FileActionsAddChdir(byte* actions, byte* path);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    public static partial int SpawnAttrInit(byte* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    public static partial int SpawnAttrDestroy(byte* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    public static partial int SpawnAttrSetFlags(byte* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    public static partial int SpawnAttrSetSigDefault(byte* attributes, byte* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    public static partial int SpawnAttrSetSigMask(byte* attributes, byte* signals);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    public static partial int Sigemptyset(byte* set);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    public static partial int Sigfillset(byte* set);

    [LibraryImport("libc", EntryPoint = "posix_spawnp")]
    public static partial int PosixSpawnp(out int pid, byte* file, byte* actions, byte* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int Waitpid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(long* fds, nuint count, int timeoutMs);

    /// <summary>Whether <paramref name="fd"/> has input within <paramref name="timeout"/>.</summary>
    public static bool HasInput(int fd, TimeSpan timeout)
    {
        long pollfd = (uint)fd | (1L << 32); // struct pollfd { int fd; short events = POLLIN; short revents; }
        int ready = Poll(&pollfd, 1, (int)timeout.TotalMilliseconds);
        return ready != 0; // an error counts as input: the read that follows says what it is
    }

    public static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>One read, through interrupted calls: the count, 0 at end of input, or -1 with the descriptor gone
    /// (EIO: every holder of a pty's other end has closed it).</summary>
    public static int ReadSome(int fd, Span<byte> buffer)
    {
        fixed (byte* at = buffer)
            while (true)
            {
                nint got = Read(fd, at, buffer.Length);
                if (got >= 0) return (int)got;
                if (LastError != Eintr) return -1;
            }
    }

    /// <summary>Writes all of <paramref name="bytes"/>, through interrupted and partial writes; false when the
    /// other end is gone.</summary>
    public static bool WriteAll(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
            for (int done = 0; done < bytes.Length;)
            {
                nint wrote = Write(fd, start + done, bytes.Length - done);
                if (wrote > 0) done += (int)wrote;
                else if (wrote < 0 && LastError == Eintr) continue;
                else return false;
            }
        return true;
    }

    /// <summary>A NUL-terminated UTF-8 copy, freed with Marshal.FreeCoTaskMem.</summary>
    public static byte* Utf8(string text) => (byte*)Marshal.StringToCoTaskMemUTF8(text);
}
