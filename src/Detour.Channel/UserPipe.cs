using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace Detour.Channel;

/// <summary>The channel on Windows: a named pipe whose ACL grants this user's SID alone (inheritance cut), and the
/// peer's token checked on every connection, as the Unix socket checks the peer's uid.</summary>
[SupportedOSPlatform("windows")]
public static partial class UserPipe
{
    /// <summary>Test seam: the SID a peer must have; null means this process's own user.</summary>
    internal static SecurityIdentifier? RequiredPeerSid;

    static SecurityIdentifier CurrentUser => WindowsIdentity.GetCurrent().User!;

    /// <summary>Full control for this user, nothing for anyone else; nothing inherited.</summary>
    public static PipeSecurity UserOnly()
    {
        var security = new PipeSecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new PipeAccessRule(CurrentUser, PipeAccessRights.FullControl, AccessControlType.Allow));
        security.SetOwner(CurrentUser);
        return security;
    }

    /// <summary>A connection to the pipe, or null when no host serves it.</summary>
    public static Stream? TryConnect(string name)
    {
        var client = new NamedPipeClientStream(".", name, PipeDirection.InOut, PipeOptions.None, TokenImpersonationLevel.Identification);
        try
        {
            client.Connect(200);
            return client;
        }
        catch (Exception e) when (e is TimeoutException or IOException or UnauthorizedAccessException)
        {
            client.Dispose();
            return null;
        }
    }

    /// <summary>Whether the process at the other end of <paramref name="pipe"/> runs as <paramref name="user"/>.</summary>
    public static bool PeerIs(NamedPipeServerStream pipe, SecurityIdentifier user, out string who)
    {
        who = "an unknown process";
        if (!GetNamedPipeClientProcessId(pipe.SafePipeHandle.DangerousGetHandle(), out uint pid)) return false;
        who = $"process {pid}";
        nint process = OpenProcess(ProcessQueryLimitedInformation, false, pid);
        if (process == 0) return false;
        try
        {
            if (!OpenProcessToken(process, TokenQuery, out nint token)) return false;
            try
            {
                using var identity = new WindowsIdentity(token);
                who = $"process {pid} ({identity.User})";
                return identity.User == user;
            }
            finally { CloseHandle(token); }
        }
        finally { CloseHandle(process); }
    }

    const uint ProcessQueryLimitedInformation = 0x1000, TokenQuery = 0x0008;

    [LibraryImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetNamedPipeClientProcessId(nint pipe, out uint processId);

    [LibraryImport("kernel32", SetLastError = true)]
    private static partial nint OpenProcess(uint access, [MarshalAs(UnmanagedType.Bool)] bool inherit, uint processId);

    [LibraryImport("advapi32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool OpenProcessToken(nint process, uint access, out nint token);

    [LibraryImport("kernel32")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CloseHandle(nint handle);

    /// <summary>One pipe instance waits for the next connection at a time; the first is made with FirstPipeInstance,
    /// so a pipe of that name made earlier by anyone else makes the host fail instead of sharing it.</summary>
    internal sealed class Listener(string name) : ChannelListener
    {
        readonly CancellationTokenSource _closed = new();
        bool _first = true;

        public override AcceptedPeer? Accept()
        {
            if (_closed.IsCancellationRequested) return null;
            var options = PipeOptions.Asynchronous | (_first ? PipeOptions.FirstPipeInstance : PipeOptions.None);
            _first = false;
            var pipe = NamedPipeServerStreamAcl.Create(name, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances,
                PipeTransmissionMode.Byte, options, 0, 0, UserOnly());
            try { pipe.WaitForConnectionAsync(_closed.Token).GetAwaiter().GetResult(); }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
                pipe.Dispose();
                return null;
            }
            bool same = PeerIs(pipe, RequiredPeerSid ?? CurrentUser, out string who);
            return new AcceptedPeer(pipe, same, who);
        }

        public override void Dispose() => _closed.Cancel();
    }
}
