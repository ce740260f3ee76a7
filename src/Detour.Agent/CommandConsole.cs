using System.Collections.Concurrent;

namespace Detour.Agent;

/// <summary>Reads the app's standard input on the agent's behalf: lines starting with '%' are
/// Detour commands, every other line is passed on to the app's own Console.ReadLine.</summary>
internal sealed class CommandConsole : TextReader
{
    readonly BlockingCollection<string?> _appLines = new();

    public static void Install(DetourAgent agent)
    {
        var console = new CommandConsole();
        var stdin = Console.In;
        Console.SetIn(console);
        new Thread(() => console.Pump(stdin, agent)) { IsBackground = true, Name = "detour commands" }.Start();
    }

    void Pump(TextReader stdin, DetourAgent agent)
    {
        try
        {
            string? line;
            while ((line = stdin.ReadLine()) is not null)
            {
                if (line.StartsWith('%')) Run(agent, line.Trim());
                else _appLines.Add(line);
            }
        }
        catch (IOException) { }
        _appLines.Add(null); // end of input reaches the app too; watching goes on
    }

    static void Run(DetourAgent agent, string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string argument = words.Length > 1 ? words[1] : "";
        try
        {
            switch (words[0])
            {
                case "%autoreload" when argument is "0" or "1" or "2": agent.SetMode((ReloadMode)(argument[0] - '0')); break;
                case "%autoreload" when argument == "": agent.ReloadNow(); break;
                case "%aimport" when argument == "": agent.ListModules(); break;
                case "%aimport" when argument.StartsWith('-'): agent.Skip(argument[1..]); break;
                case "%aimport": agent.Mark(argument); break;
                case "%reload" when argument != "": agent.ForceReload(argument); break;
                case "%status": agent.Status(); break;
                case "%revert": agent.Revert(argument == "" ? null : argument); break;
                case "%help": agent.Help(); break;
                default: agent.Say($"unknown command '{line}'; type %help"); break;
            }
        }
        catch (Exception e)
        {
            agent.Say($"{words[0]} failed: {e.Message}");
        }
    }

    public override string? ReadLine() => _appLines.IsCompleted ? null : _appLines.Take() is { } l ? l : Complete();

    string? Complete() { _appLines.CompleteAdding(); return null; }

    public override int Peek() => -1;
    public override int Read() => -1;
}
