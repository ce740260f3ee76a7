using System.Net.Sockets;

namespace Detour.Channel;

/// <summary>A client of a compile host (the CLI in another terminal): one command line, its answer lines.</summary>
public static class ChannelClient
{
    /// <summary>Sends one command line and returns what the host said; <paramref name="reached"/> is false when no
    /// host answers at that socket or it turned the client away.</summary>
    public static IReadOnlyList<string> Send(string socketPath, string line, out bool reached) => Send(socketPath, new CommandRequest(line), out reached);

    /// <summary>Asks the host at the socket, if any, to step aside.</summary>
    public static void Shutdown(string socketPath) => Send(socketPath, new Shutdown(), out _);

    static IReadOnlyList<string> Send(string socketPath, Message request, out bool reached)
    {
        reached = false;
        using var stream = UserSocket.TryConnectStream(socketPath);
        if (stream is null) return [];
        try
        {
            Frames.Write(stream, new Hello(Frames.Version, PeerRole.Client, Environment.ProcessId, "", "", [], false));
            if (Frames.Read(stream) is not Welcome { Accepted: true }) return [];
            reached = true;
            Frames.Write(stream, request);
            var lines = new List<string>();
            while (Frames.Read(stream) is { } message and not Done)
                if (message is Say say) lines.AddRange(say.Lines);
            return lines;
        }
        catch (IOException) { return []; }
    }
}
