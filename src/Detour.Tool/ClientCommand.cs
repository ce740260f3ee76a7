using System.Net.Sockets;
using Detour.Channel;
using Detour.Host;

namespace Detour.Tool;

/// <summary>`dotnet detour status|reload|revert|mode|skip|force|restart`: the %-commands, sent from another terminal
/// to the compile host of the project, which runs them on every app it patches.</summary>
public static class ClientCommand
{
    public static int Execute(string project, string verb, string argument)
    {
        string line = verb == "restart" ? "%restart" : Commands.FromVerb(verb, argument) ?? throw new ToolException($"unknown command {verb}");
        var answer = Send(UserSocket.PathFor(project), line, out bool reached);
        if (!reached)
        {
            Console.Error.WriteLine($"detour: no compile host for {Path.GetFileName(project)}; start the app with `dotnet detour run` (or a Debug `dotnet run` with the Detour package)");
            return 1;
        }
        foreach (var l in answer) Console.WriteLine(l);
        return 0;
    }

    /// <summary>Sends one command line to a host and returns its lines.</summary>
    public static IReadOnlyList<string> Send(string socketPath, string line, out bool reached)
    {
        reached = false;
        if (!UserSocket.TryConnect(socketPath, out var socket)) return [];
        using var _ = socket;
        using var stream = new NetworkStream(socket!, ownsSocket: false);
        Frames.Write(stream, new Hello(Frames.Version, PeerRole.Client, Environment.ProcessId, "", "", [], false));
        if (Frames.Read(stream) is not Welcome { Accepted: true } welcome) return [];
        reached = true;
        Frames.Write(stream, new CommandRequest(line));
        var lines = new List<string>();
        while (Frames.Read(stream) is { } message and not Done)
            if (message is Say say) lines.AddRange(say.Lines);
        return lines;
    }
}
