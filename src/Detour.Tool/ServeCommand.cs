using Detour.Channel;
using Detour.Host.Serving;

namespace Detour.Tool;

/// <summary>The background compile host of one project, started by the Detour package's agent. It prints nothing
/// (the agents print its lines in their apps' stderr); it keeps a log beside its socket, and exits once no app has
/// been connected for a while, as the compiler server does.</summary>
public static class ServeCommand
{
    public const int DefaultIdleSeconds = 600;

    public static int Execute(string project, int idleSeconds)
    {
        string socket = UserSocket.PathFor(project);
        using var log = new StreamWriter(socket + ".log", append: true) { AutoFlush = true };
        HostServer server;
        try
        {
            server = new HostServer(socket, RunCommand.TargetsFile, line => { lock (log) log.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {line}"); }, project);
        }
        catch (ChannelException e)
        {
            log.WriteLine(e.Message); // another host won the race for this project
            return 0;
        }
        using (server)
        {
            var stop = new ManualResetEventSlim();
            server.StopRequested += stop.Set;
            // No tool started this app, so nothing can restart it for the user: the line says what to do instead.
            server.AppConnected += reloader => reloader.Reported += report =>
            {
                if (report.RestartLine("stop the app and run it again") is { } line) reloader.Say(line);
            };
            RunCommand.WarmUpCompiler();
            while (!stop.Wait(1000))
                if (server.Idle.TotalSeconds > idleSeconds) break;
        }
        return 0;
    }
}
