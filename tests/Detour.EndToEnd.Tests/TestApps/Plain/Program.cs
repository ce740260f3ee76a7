using System.Diagnostics;
using Lib;

// "child": the app started again by itself, to show the agent leaves child processes alone.
if (args.Length > 0 && args[0] == "child") { Console.WriteLine("child ran"); return 0; }
if (args.Length > 0 && args[0] == "exit") { Console.WriteLine("exiting with " + args[1]); return int.Parse(args[1]); }
if (args.Length > 0 && args[0] == "spawn")
{
    string self = Environment.ProcessPath!;
    string[] childArguments = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [typeof(Greeter).Assembly.Location, "child"] : ["child"];
    var child = Process.Start(new ProcessStartInfo(self, childArguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    Console.WriteLine("child said: " + child.StandardOutput.ReadToEnd().Trim() + " | " + child.StandardError.ReadToEnd().Trim());
    child.WaitForExit();
}

// The app's own input: every line it reads is echoed, so tests can see what reached it.
new Thread(() => { while (Console.ReadLine() is { } line) Console.WriteLine("input: " + line); }) { IsBackground = true }.Start();

int tick = 0;
while (true)
{
    tick++;
    Console.WriteLine($"tick {tick} {Greeter.Greeting()} {Extra.Mark()} {Weather.Today()} {Unwatched.Value()} {Stamp()}");
    // What is loaded, for the test that the agent brings no compiler, sockets or LINQ (this app uses none of them).
    if (Environment.GetEnvironmentVariable("PLAIN_LIST_ASSEMBLIES") == "1")
        Console.Error.WriteLine("loaded: " + string.Join(",", Array.ConvertAll(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name)));
    Thread.Sleep(50);
}

// A local function of the top-level program: editing it is not an edit of the running Main.
static string Stamp() => "s1";
