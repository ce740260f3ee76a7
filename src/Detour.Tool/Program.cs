using System.CommandLine;
using Detour.Tool;

var project = new Option<string?>("--project", "-p") { Description = "The project to run or talk to (default: the one in the current folder)" };
var restartOnRude = new Option<bool>("--restart-on-rude") { Description = "Restart the app without asking when an edit needs a restart" };
var verbose = new Option<bool>("--verbose", "-v") { Description = "Also print build output and Detour's own steps" };
var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only edits that failed or need a restart" };
var appArguments = new Argument<string[]>("app-arguments") { Arity = ArgumentArity.ZeroOrMore, Description = "Arguments for the app, after --" };
var launchProfile = new Option<string?>("--launch-profile", "-lp") { Description = "The launch profile of Properties/launchSettings.json to run with, as `dotnet run` (default: the first of commandName \"Project\")" };
var noLaunchProfile = new Option<bool>("--no-launch-profile") { Description = "Do not apply a launch profile, as `dotnet run --no-launch-profile`" };

var run = new Command("run", "Build the project in Debug and run it with live patching: edit a .cs file, save, and the app runs the new code")
    { project, restartOnRude, verbose, quiet, launchProfile, noLaunchProfile, appArguments };
run.SetAction(result => Guarded(() =>
{
    string found = ProjectLocator.Find(result.GetValue(project));
    return new RunCommand(found,
        result.GetValue(restartOnRude),
        new ToolOutput(result.GetValue(quiet) ? Verbosity.Quiet : result.GetValue(verbose) ? Verbosity.Verbose : Verbosity.Normal),
        result.GetValue(appArguments) ?? [],
        result.GetValue(noLaunchProfile) ? null : LaunchProfile.Of(found, result.GetValue(launchProfile))).Execute();
}));

var idle = new Option<int>("--idle-seconds") { Description = "Exit after this long with no app connected", DefaultValueFactory = _ => ServeCommand.DefaultIdleSeconds };
var serve = new Command("serve", "Run the compile host of a project in the background (the Detour package's agent starts it)") { project, idle };
serve.Hidden = true;
serve.SetAction(result => Guarded(() => ServeCommand.Execute(ProjectLocator.Find(result.GetValue(project)), result.GetValue(idle))));

var root = new RootCommand("Detour: hot patching for .NET without a debugger") { run, serve };
foreach (var (verb, help, argumentName) in new[]
{
    ("status", "Show what the running apps have patched, what failed and what is waiting", (string?)null),
    ("reload", "Reload what changed now; with X, recompile and re-apply module X even if unchanged", "module"),
    ("revert", "Undo every patch, or those of module X: the original code runs again", "module"),
    ("mode", "Set the reload mode: 0 off, 1 only forced modules, 2 all but skipped, 3 as 2 but landing at the app's Detour.HotPatch.SafePoint()", "mode"),
    ("skip", "Do not apply edits of module X (an assembly, namespace or type)", "module"),
    ("force", "Apply edits of module X even in mode 1", "module"),
    ("restart", "Restart the app (dotnet detour run only)", null),
})
{
    var command = new Command(verb, help) { project };
    Argument<string>? argument = null;
    if (argumentName is not null)
    {
        argument = new Argument<string>(argumentName) { Arity = verb is "reload" or "revert" ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne };
        command.Arguments.Add(argument);
    }
    command.SetAction(result => Guarded(() => ClientCommand.Execute(ProjectLocator.Find(result.GetValue(project)), verb,
        argument is null ? "" : result.GetValue(argument) ?? "")));
    root.Subcommands.Add(command);
}

return root.Parse(args).Invoke();

// A failure the user can act on is one line and exit code 1, never a stack trace.
static int Guarded(Func<int> action)
{
    try
    {
        return action();
    }
    catch (ToolException e)
    {
        Console.Error.WriteLine("detour: " + e.Message);
        return 1;
    }
}
