namespace Detour.Host.Commands;

/// <summary>One command: its name, its usage line, what it does for the user, and the action.</summary>
public sealed record Command(string Name, string Usage, string Help, Action<ICommandTarget, string> Run);

/// <summary>The commands, typed as %-lines in the app's terminal or given to `dotnet detour` in another one
/// (`%autoreload 1` and `dotnet detour mode 1` are the same row). %help is made from this table; it is the only place
/// that knows a command's name.</summary>
public static class Commands
{
    public static readonly IReadOnlyList<Command> Table =
    [
        new("autoreload", "%autoreload [0|1|2|3]", "no argument: reload what changed, now; 0 off | 1 only modules marked with %aimport | 2 all but skipped (default)" +
                                                   " | 3 as 2, landing at the app's Detour.HotPatch.SafePoint()",
            (app, argument) =>
            {
                if (argument == "") app.ReloadNow();
                else if (argument is "0" or "1" or "2" or "3") app.SetMode((ReloadMode)(argument[0] - '0'));
                else app.Say($"%autoreload takes 0, 1, 2 or 3, not '{argument}'");
            }),
        new("aimport", "%aimport [X|-X]", "no argument: list marks; X: mark module X (force it in mode 1); -X: skip module X",
            (app, argument) =>
            {
                if (argument == "") app.ListModules();
                else if (argument.StartsWith('-')) app.Skip(argument[1..]);
                else app.Mark(argument);
            }),
        new("reload", "%reload X", "recompile and re-apply the files that declare X, even if unchanged",
            (app, argument) => { if (argument == "") app.Say("%reload needs a module: %reload Demo.Scene"); else app.ForceReload(argument); }),
        new("status", "%status", "mode, generations, patched members, failed files, held saves, skipped modules",
            (app, _) => app.Status()),
        new("revert", "%revert [X]", "undo every patch (or those of module X): the original code runs again",
            (app, argument) => app.Revert(argument == "" ? null : argument)),
        new("restart", "%restart", "restart the app, built again with every edit (under `dotnet detour run`)",
            (app, _) => app.Restart()),
        new("help", "%help", "this list",
            (app, _) => { foreach (var c in Table!) app.Say($"{c.Usage,-20} {c.Help}"); }),
    ];

    /// <summary>The CLI's verbs, as the %-lines they stand for.</summary>
    public static string? FromVerb(string verb, string argument) => verb switch
    {
        "status" => "%status",
        "reload" => argument == "" ? "%autoreload" : $"%reload {argument}",
        "revert" => $"%revert {argument}".TrimEnd(),
        "mode" => $"%autoreload {argument}",
        "skip" => $"%aimport -{argument}",
        "force" => $"%aimport {argument}",
        "restart" => "%restart",
        _ => null,
    };

    /// <summary>Runs one %-line; an unknown command or a failure is said, never thrown.</summary>
    public static void Run(ICommandTarget app, string line)
    {
        var words = line.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string name = words.Length > 0 ? words[0].TrimStart('%') : "";
        var command = Table.FirstOrDefault(c => c.Name == name);
        if (command is null) { app.Say($"unknown command '{line.Trim()}'; type %help"); return; }
        try
        {
            command.Run(app, words.Length > 1 ? words[1] : "");
        }
        catch (Exception e)
        {
            app.Say($"%{name} failed: {e.Message}");
        }
    }
}
