using System.Runtime.InteropServices;

namespace Detour.Channel;

/// <summary>A connected Unix domain socket as a stream, straight over libc: the agent's end of the channel. Through
/// System.Net.Sockets the same connection cost the app 3.6 MB more (native-notes/agent-footprint.md). Reads and writes
/// from different threads are independent system calls, as with NetworkStream.</summary>
internal sealed partial class UnixStream(int fd) : Stream
{
    const int AfUnix = 1, SockStream = 1, SockCloexec = 0x80000, ShutRdwr = 2, Eintr = 4;
    int _fd = fd;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static unsafe partial int Connect(int fd, byte* address, int length);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "shutdown")]
    private static partial int Shutdown(int fd, int how);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>Connects to the socket at <paramref name="path"/> (Linux); null when nobody listens there. Not inherited
    /// by processes the app starts (SOCK_CLOEXEC).</summary>
    public static unsafe UnixStream? TryConnect(string path)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(path);
        const int PathOffset = 2, PathCapacity = 108; // struct sockaddr_un: sa_family_t, then char sun_path[108]
        if (name.Length >= PathCapacity) return null;
        int fd = Socket(AfUnix, SockStream | SockCloexec, 0);
        if (fd < 0) return null;
        byte* address = stackalloc byte[PathOffset + PathCapacity];
        new Span<byte>(address, PathOffset + PathCapacity).Clear();
        *(ushort*)address = AfUnix;
        name.CopyTo(new Span<byte>(address + PathOffset, PathCapacity));
        int result;
        do result = Connect(fd, address, PathOffset + name.Length + 1);
        while (result != 0 && Marshal.GetLastPInvokeError() == Eintr);
        if (result == 0) return new UnixStream(fd);
        Close(fd);
        return null;
    }

    public override unsafe int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        fixed (byte* at = buffer)
            while (true)
            {
                nint got = Read(Handle, at, buffer.Length);
                if (got >= 0) return (int)got;
                if (Marshal.GetLastPInvokeError() != Eintr) throw Failed("read");
            }
    }

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
            for (int done = 0; done < buffer.Length;)
            {
                nint wrote = Write(Handle, start + done, buffer.Length - done);
                if (wrote >= 0) done += (int)wrote;
                else if (Marshal.GetLastPInvokeError() != Eintr) throw Failed("write");
            }
    }

    int Handle => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(UnixStream));

    static IOException Failed(string call) => new($"{call} on the channel failed (errno {Marshal.GetLastPInvokeError()})");

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Flush() { }

    protected override void Dispose(bool disposing)
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            Shutdown(fd, ShutRdwr); // wakes a thread blocked in read; close alone would not
            Close(fd);
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
