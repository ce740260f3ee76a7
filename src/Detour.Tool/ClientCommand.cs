using Detour.Channel;
using Detour.Host.Commands;

namespace Detour.Tool;

/// <summary>`dotnet detour status|reload|revert|mode|skip|force|restart`: the %-commands, sent from another terminal
/// to the compile host of the project, which runs them on every app it patches.</summary>
public static class ClientCommand
{
    public static int Execute(string project, string verb, string argument)
    {
        string line = Commands.FromVerb(verb, argument) ?? throw new ToolException($"unknown command {verb}");
        var answer = ChannelClient.Send(UserSocket.PathFor(project), line, out bool reached);
        if (!reached)
        {
            Console.Error.WriteLine($"detour: no compile host for {Path.GetFileName(project)}; start the app with `dotnet detour run` (or a Debug `dotnet run` with the Detour package)");
            return 1;
        }
        foreach (var l in answer) Console.WriteLine(l);
        return 0;
    }
}
