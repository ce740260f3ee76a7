using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Detour.Channel;

/// <summary>The control channel: a Unix domain socket in a folder only this user can enter, of mode 0600,
/// and the peer's uid checked on every connection. There is no TCP anywhere.</summary>
public static class UserSocket
{
    /// <summary>Test seam: the uid a peer must have; null means this process's own.</summary>
    internal static uint? RequiredPeerUid;

    /// <summary>$XDG_RUNTIME_DIR/detour when the session has one, else /tmp/detour-&lt;uid&gt;; mode 0700, ours.</summary>
    public static string Folder()
    {
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        string folder = !string.IsNullOrEmpty(runtime) && Directory.Exists(runtime)
            ? Path.Combine(runtime, "detour")
            : Path.Combine(Path.GetTempPath(), $"detour-{Posix.Uid()}");
        if (OperatingSystem.IsWindows()) { Directory.CreateDirectory(folder); return folder; }
        if (!Directory.Exists(folder))
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Someone else may have made the folder first to catch our sockets: refuse it.
        {
            if (Posix.OwnerOf(folder) != Posix.Uid())
                throw new ChannelException($"{folder} belongs to another user; remove it or set XDG_RUNTIME_DIR");
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return folder;
    }

    /// <summary>The socket of the compile host for one project: one per user, project and Detour build, so a host left
    /// running by another version of Detour is never asked to patch for this one.
    /// On Windows it is the name of a named pipe (<see cref="UserPipe"/>), with the user in it.</summary>
    public static string PathFor(string projectPath)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(projectPath) + "|" + Build)))[..16].ToLowerInvariant();
        if (OperatingSystem.IsWindows()) return $"detour-{Environment.UserName}-{Path.GetFileNameWithoutExtension(projectPath)}-{hash}";
        return Path.Combine(Folder(), $"detour-{Path.GetFileNameWithoutExtension(projectPath)}-{hash}.sock");
    }

    /// <summary>This build of Detour: the informational version (with the commit, where the build knows it) and the
    /// channel assembly's module version id, which every rebuild changes.</summary>
    static readonly string Build =
        (typeof(UserSocket).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute version, ..] ? version.InformationalVersion : null) + "|" + typeof(UserSocket).Module.ModuleVersionId;

    public static Socket Listen(string path)
    {
        if (File.Exists(path))
        {
            // A live host answers; a stale file from a host that died is replaced.
            if (TryConnect(path, out var live)) { live!.Dispose(); throw new ChannelException($"{path}: a compile host is already listening"); }
            File.Delete(path);
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        socket.Listen(16);
        return socket;
    }

    /// <summary>A connection to the host at <paramref name="path"/> as a stream; null when nobody listens there. On Linux
    /// it never loads System.Net.Sockets into the app (<see cref="UnixStream"/>).</summary>
    public static Stream? TryConnectStream(string path)
    {
        if (OperatingSystem.IsWindows()) return UserPipe.TryConnect(path);
        if (!File.Exists(path)) return null;
        return OperatingSystem.IsLinux() ? UnixStream.TryConnect(path) : ConnectThroughSockets(path);
    }

    // Its own method: the JIT loads System.Net.Sockets for a method that names its types, even on a branch not taken.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static Stream? ConnectThroughSockets(string path) => TryConnect(path, out var socket) ? new NetworkStream(socket!, ownsSocket: true) : null;

    public static bool TryConnect(string path, out Socket? socket)
    {
        socket = null;
        if (!File.Exists(path)) return false;
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(path));
            socket = s;
            return true;
        }
        catch (SocketException)
        {
            s.Dispose();
            return false;
        }
    }

    /// <summary>Whether the process at the other end runs as the user this one does.</summary>
    public static bool PeerIsSameUser(Socket socket, out uint peerUid)
    {
        peerUid = uint.MaxValue;
        if (!Posix.PeerUid(socket, out peerUid)) return false;
        return peerUid == (RequiredPeerUid ?? Posix.Uid());
    }
}

internal static partial class Posix
{
    [DllImport("libc", EntryPoint = "geteuid")]
    static extern uint GetEuid();

    [DllImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    static extern unsafe int GetSockOpt(nint socket, int level, int name, void* value, ref uint length);

    [StructLayout(LayoutKind.Sequential)]
    struct UCred { public int Pid; public uint Uid; public uint Gid; }

    public static uint Uid() => OperatingSystem.IsWindows() ? 0 : GetEuid();

    /// <summary>SO_PEERCRED (Linux) or LOCAL_PEERCRED's uid (macOS): the kernel's word on who connected.</summary>
    public static unsafe bool PeerUid(Socket socket, out uint uid)
    {
        uid = uint.MaxValue;
        if (OperatingSystem.IsMacOS())
        {
            // struct xucred { u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16]; }, at SOL_LOCAL (0).
            // Written to Apple's headers; nothing here runs macOS.
            const int SolLocal = 0, LocalPeerCred = 1;
            byte* xucred = stackalloc byte[76];
            uint size = 76;
            if (GetSockOpt(socket.Handle, SolLocal, LocalPeerCred, xucred, ref size) != 0) return false;
            uid = *(uint*)(xucred + 4);
            return true;
        }
        if (!OperatingSystem.IsLinux()) return false;
        const int SolSocket = 1, SoPeerCred = 17;
        UCred cred;
        uint length = (uint)sizeof(UCred);
        if (GetSockOpt(socket.Handle, SolSocket, SoPeerCred, &cred, ref length) != 0) return false;
        uid = cred.Uid;
        return true;
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    static extern unsafe int Stat(string path, byte* buffer);

    /// <summary>The owner's uid of a file (struct stat's st_uid: at offset 28 on Linux x64 glibc, 24 on arm64 glibc;
    /// macOS's offsets are from Apple's headers, unverified).</summary>
    public static unsafe uint OwnerOf(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return Uid();
        byte* buffer = stackalloc byte[256];
        if (Stat(path, buffer) != 0) return uint.MaxValue;
        bool x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        // macOS x64's plain `stat` symbol fills the old struct with a 32-bit inode (st_uid at 12); arm64 has only the new one.
        int offset = OperatingSystem.IsMacOS() ? (x64 ? 12 : 16) : x64 ? 28 : 24;
        return *(uint*)(buffer + offset);
    }
}
