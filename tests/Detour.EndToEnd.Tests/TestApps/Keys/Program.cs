Console.WriteLine("ready " + Mover.Step());
int keys = 0;
while (keys < 6)
{
    if (Console.KeyAvailable)
    {
        var key = Console.ReadKey(intercept: true);
        Console.WriteLine($"key {key.KeyChar} {Mover.Step()}");
        keys++;
    }
    else Thread.Sleep(5);
}
Console.WriteLine("done");
