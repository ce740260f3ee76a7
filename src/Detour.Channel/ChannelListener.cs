using System.Net.Sockets;

namespace Detour.Channel;

/// <summary>A connection the host accepted, with the operating system's word on whether its peer runs as this user.</summary>
public sealed record AcceptedPeer(Stream Stream, bool IsSameUser, string Who);

/// <summary>The compile host's end of the channel: a Unix domain socket on Linux and macOS, a named pipe on Windows.
/// Only this user can open either; every connection's peer is checked as well.</summary>
public abstract class ChannelListener : IDisposable
{
    /// <param name="address">What <see cref="UserSocket.PathFor"/> gives: a socket path, or on Windows a pipe name.</param>
    public static ChannelListener Listen(string address) =>
        OperatingSystem.IsWindows() ? new UserPipe.Listener(address) : new UnixListener(UserSocket.Listen(address));

    /// <summary>The next connection; null once the listener is closed.</summary>
    public abstract AcceptedPeer? Accept();

    public abstract void Dispose();

    sealed class UnixListener(Socket socket) : ChannelListener
    {
        public override AcceptedPeer? Accept()
        {
            Socket peer;
            try { peer = socket.Accept(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return null; }
            bool same = UserSocket.PeerIsSameUser(peer, out uint uid);
            return new AcceptedPeer(new NetworkStream(peer, ownsSocket: true), same, $"uid {uid}");
        }

        public override void Dispose() => socket.Dispose();
    }
}
