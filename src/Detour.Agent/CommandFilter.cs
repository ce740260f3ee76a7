namespace Detour.Agent;

/// <summary>Sits in front of the app's Console.In and sees only the lines the app itself reads: a line starting
/// with '%' goes to Detour and the app reads the next one. Keys (ReadKey, KeyAvailable) never pass through here,
/// and Read/Peek go straight to the app's own reader, so an app that steers with keys is not touched.</summary>
internal sealed class CommandFilter(TextReader inner, Action<string> command) : TextReader
{
    /// <summary>DETOUR_COMMANDS=0 turns the in-terminal commands off; redirected input is left alone unless DETOUR_COMMANDS=1.</summary>
    public static bool Wanted() => Environment.GetEnvironmentVariable("DETOUR_COMMANDS") switch
    {
        "0" => false,
        "1" => true,
        _ => !Console.IsInputRedirected,
    };

    public static void Install(Action<string> command) => Console.SetIn(new CommandFilter(Console.In, command));

    public override string? ReadLine()
    {
        while (true)
        {
            string? line = inner.ReadLine();
            if (line is null || !line.StartsWith('%')) return line;
            command(line.Trim());
        }
    }

    public override int Read() => inner.Read();
    public override int Read(char[] buffer, int index, int count) => inner.Read(buffer, index, count);
    public override int Peek() => inner.Peek();
    public override string ReadToEnd() => inner.ReadToEnd();
}
