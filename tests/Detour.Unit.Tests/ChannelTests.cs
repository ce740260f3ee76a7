using System.Net.Sockets;
using System.Text.RegularExpressions;
using Detour.Channel;
using Detour.Host.Serving;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>The control channel on a real Unix socket: user-only, checked on every connection, no TCP, and
/// unharmed by peers that do not speak the protocol.</summary>
[NonParallelizable]
public class ChannelTests
{
    HostServer _server = null!;
    readonly List<string> _said = new();

    [SetUp]
    public void StartHost()
    {
        string socket = UserSocket.PathFor(Path.Combine(Path.GetTempPath(), $"unit-{Guid.NewGuid():N}.csproj"));
        _server = new HostServer(socket, "unused.targets", line => { lock (_said) _said.Add(line); });
    }

    [TearDown]
    public void StopHost()
    {
        UserSocket.RequiredPeerUid = null;
        _server.Dispose();
    }

    [Test]
    public void TheSocket_IsUserOnly_AndNamedForDetour()
    {
        Assert.That(Path.GetFileName(_server.SocketPath), Does.Contain("detour"));
        Assert.That(File.GetUnixFileMode(_server.SocketPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(_server.SocketPath)!),
            Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    public void APeerOfAnotherUser_IsRefused_AndTheHostServesOnOthers()
    {
        UserSocket.RequiredPeerUid = 54321; // as if this test process ran as someone else
        Assert.That(Ask("%status", out bool reached), Is.Empty);
        Assert.That(reached, Is.False, "no welcome for another user");
        Assert.That(Said(l => l.Contains("refused a connection from uid")), Is.True);
        UserSocket.RequiredPeerUid = null;
        Assert.That(Ask("%status", out reached), Is.EqualTo(new[] { "no app is running under this compile host" }));
        Assert.That(reached);
    }

    [Test]
    public void AnotherProtocolVersion_IsTurnedAway_WithTheReason()
    {
        using var socket = Connect();
        using var stream = new NetworkStream(socket);
        Frames.Write(stream, new Hello(Frames.Version + 1, PeerRole.Client, 1, "", "", [], false));
        var welcome = (Welcome)Frames.Read(stream)!;
        Assert.That(welcome.Accepted, Is.False);
        Assert.That(welcome.Message, Does.Contain($"protocol version {Frames.Version + 1}"));
        Assert.That(Frames.Read(stream), Is.Null, "and the connection is closed");
    }

    [TestCase(new byte[] { 1, 2 })]                                  // truncated header
    [TestCase(new byte[] { 0xFF, 0xFF, 0xFF, 0x7F })]                // oversized frame
    [TestCase(new byte[] { 3, 0, 0, 0, 99, 98, 97 })]                // unknown kind
    [TestCase(new byte[] { 5, 0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0x7F })] // a count past the frame
    public void MalformedBytes_DropTheConnection_NotTheHost(byte[] garbage)
    {
        using (var socket = Connect())
        {
            socket.Send(garbage);
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[64];
            Assert.That(socket.Receive(buffer), Is.Zero, "the host closes the connection");
        }
        Assert.That(Ask("%status", out bool reached), Is.EqualTo(new[] { "no app is running under this compile host" }));
        Assert.That(reached);
    }

    [Test]
    public void RandomBytes_OnManyConnections_LeaveTheHostServing()
    {
        var random = new Random(99);
        for (int i = 0; i < 50; i++)
        {
            using var socket = Connect();
            var garbage = new byte[random.Next(1, 200)];
            random.NextBytes(garbage);
            try { socket.Send(garbage); socket.Shutdown(SocketShutdown.Send); socket.Receive(new byte[256]); }
            catch (SocketException) { }
        }
        Assert.That(Ask("%status", out bool reached), Has.Count.EqualTo(1));
        Assert.That(reached);
    }

    [Test]
    public void TheHost_ListensOnNoTcpPort()
    {
        var listening = TcpListenInodes();
        var ours = SocketInodesOfThisProcess();
        Assert.That(listening.Intersect(ours), Is.Empty, "no TCP socket of this process is listening");
    }

    Socket Connect()
    {
        Assert.That(UserSocket.TryConnect(_server.SocketPath, out var socket), Is.True);
        return socket!;
    }

    IReadOnlyList<string> Ask(string line, out bool reached) => ChannelClient.Send(_server.SocketPath, line, out reached);

    bool Said(Func<string, bool> match)
    {
        for (int i = 0; i < 100; i++)
        {
            lock (_said) if (_said.Any(match)) return true;
            Thread.Sleep(10);
        }
        return false;
    }

    /// <summary>Inodes of TCP sockets in the LISTEN state (0A), v4 and v6.</summary>
    static HashSet<string> TcpListenInodes() =>
        new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists)
            .SelectMany(f => File.ReadAllLines(f).Skip(1))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(c => c.Length > 9 && c[3] == "0A").Select(c => c[9]).ToHashSet();

    static HashSet<string> SocketInodesOfThisProcess() =>
        Directory.GetFiles("/proc/self/fd").Select(fd => { try { return new FileInfo(fd).LinkTarget ?? ""; } catch (IOException) { return ""; } })
            .Select(t => Regex.Match(t, @"socket:\[(\d+)\]")).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet();
}
