// The app's own input: every line it reads is echoed, so tests can see what reached it.
new Thread(() => { while (Console.ReadLine() is { } line) Console.WriteLine("input: " + line); }) { IsBackground = true }.Start();

int tick = 0;
while (true)
{
    tick++;
    Console.WriteLine($"tick {tick} {Greeter.Greeting()} {Settings.Level}");
    Thread.Sleep(50);
}
