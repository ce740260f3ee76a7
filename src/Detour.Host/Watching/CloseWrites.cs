using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace Detour.Host.Watching;

/// <summary>Linux only: which watched files were last closed by their writer, from inotify's IN_CLOSE_WRITE (which
/// FileSystemWatcher does not ask for). A file written in place is whole once its writer closes it; until then, or where
/// this knows nothing, the watcher looks for open writers in /proc. One inotify instance, one watch per folder.</summary>
internal sealed class CloseWrites : IDisposable
{
    const uint InModify = 0x2, InCloseWrite = 0x8, InQueueOverflow = 0x4000;
    const int InCloexec = 0x80000, PollIn = 1, HeaderSize = 16;

    readonly int _inotify;
    readonly ConcurrentDictionary<int, string> _folders = new();
    /// <summary>Each file's size and write time when its writer's close was read; null when a write came after it.</summary>
    readonly ConcurrentDictionary<string, (long Length, DateTime Written)?> _closed = new();
    readonly Func<string, bool> _tracks;
    readonly Action<string> _onClosed;
    readonly Thread _reader;
    volatile bool _disposed;

    CloseWrites(int inotify, Func<string, bool> tracks, Action<string> onClosed)
    {
        _inotify = inotify;
        _tracks = tracks;
        _onClosed = onClosed;
        _reader = new Thread(Read) { IsBackground = true, Name = "detour close-writes" };
        _reader.Start();
    }

    /// <summary>Null where inotify is not there (not Linux) or cannot be had (the user's limit of instances reached).</summary>
    /// <param name="tracks">The files of the watched folders it keeps track of (not an editor's temporary files).</param>
    /// <param name="onClosed">Called on its reader thread when a tracked file's writer closed it; it must return at once.</param>
    public static CloseWrites? Start(Func<string, bool> tracks, Action<string> onClosed)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            int inotify = InotifyInit1(InCloexec);
            return inotify < 0 ? null : new CloseWrites(inotify, tracks, onClosed);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    /// <summary>Watches the files of a folder (not its subfolders) for writes and their closes.</summary>
    public void Watch(string folder)
    {
        if (_folders.Values.Contains(folder)) return;
        int watch = InotifyAddWatch(_inotify, folder, InModify | InCloseWrite);
        if (watch >= 0) _folders[watch] = folder;
    }

    /// <summary>Whether the file's writer closed it and nothing wrote to it since. A write this has not read yet still
    /// changes the file's size or write time, so a late reader says no rather than yes.</summary>
    public bool WasClosed(string path) => _closed.TryGetValue(path, out var closed) && closed is { } stamp && Stamp(path) == stamp;

    static (long, DateTime)? Stamp(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? (file.Length, file.LastWriteTimeUtc) : null;
    }

    void Read()
    {
        var buffer = new byte[64 * 1024];
        var poll = new PollFd { Fd = _inotify, Events = PollIn };
        while (!_disposed)
        {
            // A timeout, so the thread sees the disposal: a read blocked on a closed descriptor may never return.
            if (Poll(ref poll, 1, 250) <= 0 || _disposed) continue;
            nint read = ReadFrom(_inotify, buffer, buffer.Length);
            if (read <= 0) continue;
            for (int at = 0; at + HeaderSize <= read;)
            {
                int watch = BitConverter.ToInt32(buffer, at);
                uint mask = BitConverter.ToUInt32(buffer, at + 4);
                int length = BitConverter.ToInt32(buffer, at + 12);
                string name = Encoding.UTF8.GetString(buffer, at + HeaderSize, length).TrimEnd('\0');
                at += HeaderSize + length;
                if ((mask & InQueueOverflow) != 0) { _closed.Clear(); continue; } // events lost: nothing is known
                if (name.Length == 0 || !_folders.TryGetValue(watch, out var folder)) continue;
                string path = Path.Combine(folder, name);
                if (!_tracks(path)) continue;
                bool closed = (mask & InCloseWrite) != 0;
                _closed[path] = closed ? Stamp(path) : null;
                if (closed) _onClosed(path);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _reader.Join(1000);
        Close(_inotify);
    }

    [StructLayout(LayoutKind.Sequential)]
    struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [DllImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    static extern int InotifyInit1(int flags);

    [DllImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true)]
    static extern int InotifyAddWatch(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mask);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    static extern int Poll(ref PollFd fds, nuint count, int timeoutMs);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    static extern nint ReadFrom(int fd, [Out] byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close")]
    static extern int Close(int fd);
}
