while (true)
{
    Console.WriteLine($"second {Lib.Weather.Today()}");
    Thread.Sleep(50);
}
