// The app's own input: every line it reads is echoed, so tests can see what reached it.
// "safe" makes the loop call Detour.HotPatch.SafePoint() at the top of every tick from then on.
// "inside" answers with the app's threads (by name) and the assemblies it has loaded.
bool safePoints = false;
new Thread(() =>
{
    while (Console.ReadLine() is { } line)
    {
        if (line == "safe") Volatile.Write(ref safePoints, true);
        Console.WriteLine("input: " + line);
        if (line == "inside")
            Console.WriteLine("threads: " + string.Join(",", Directory.GetDirectories("/proc/self/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim())) +
                              " | assemblies: " + string.Join(",", AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name)));
    }
}) { IsBackground = true }.Start();

int tick = 0;
while (true)
{
    if (Volatile.Read(ref safePoints))
    {
        long before = System.Diagnostics.Stopwatch.GetTimestamp();
        Detour.HotPatch.SafePoint();
        var held = System.Diagnostics.Stopwatch.GetElapsedTime(before);
        if (held.TotalMilliseconds >= 1) Console.WriteLine($"safe point held the loop {held.TotalMilliseconds:F0} ms");
    }
    tick++;
    // Two calls of one method in a tick: a tick that shows two texts saw an edit land mid-tick.
    string first = Greeter.Greeting();
    Thread.Sleep(5);
    Console.WriteLine($"tick {tick} {first} {Greeter.Greeting()} {Settings.Level}");
    Thread.Sleep(45);
}
