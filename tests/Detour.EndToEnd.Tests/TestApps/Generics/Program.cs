var strings = new Box<string>("s");
var numbers = new Box<int>(1);
var kept = Maker.Make<int>();
int tick = 0;
while (true)
{
    tick++;
    Console.WriteLine($"tick {tick}: {Util.Echo("a")} | {Util.Echo(2)} | {strings.Show()} | {numbers.Show()} | {Box<object>.Kind()} | " +
                      $"{new Pair<long> { First = 3 }.Show()} | {Util.Twice('c')} | {kept(5)} | {Late()}");
    Thread.Sleep(100);
}

// Instantiations the JIT first makes once the file "late" exists: after the edit, from the new body.
static string Late() => File.Exists("late") ? $"late {Util.Echo(Guid.Empty)} {new Box<DateTime>(default).Show()}" : "not yet";
