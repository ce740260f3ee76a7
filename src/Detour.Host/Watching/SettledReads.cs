using Detour.Channel;

namespace Detour.Host.Watching;

/// <summary>Reads of files an editor may be writing right now.</summary>
internal static class SettledReads
{
    /// <summary>Retries a vanished or locked file. Null when it is gone; throws when it is there but cannot be read (no
    /// permission, say), with the last reason.</summary>
    public static string? Read(string path, Action<FaultStage>? fault)
    {
        Exception? last = null;
        string? text = null;
        for (int attempt = 0; attempt < 25 && text is null; attempt++)
        {
            try
            {
                if (File.Exists(path)) text = File.ReadAllText(path);
                last = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { last = e; }
            if (text is null) Thread.Sleep(20);
        }
        if (last is not null) throw last;
        fault?.Invoke(FaultStage.Read); // after the retries: a read that keeps failing
        return text;
    }

    /// <summary>The file's text, or null if it cannot be read at once. For files nobody saved just now: a file being
    /// written will raise its own event and be read with <see cref="Read"/>.</summary>
    public static string? ReadNow(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path) : null; }
        catch (IOException) { return null; }
    }
}
