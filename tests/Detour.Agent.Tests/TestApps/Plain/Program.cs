using Lib;

int tick = 0;
while (true)
{
    tick++;
    Console.WriteLine($"tick {tick} {Greeter.Greeting()} {Extra.Mark()} {Weather.Today()} {Unwatched.Value()}");
    Thread.Sleep(50);
}
