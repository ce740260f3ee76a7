using System.Text;

namespace Detour.Agent;

/// <summary>Sits in front of the app's Console.In and sees only the lines the app itself reads: a line starting
/// with '%' goes to Detour and the app reads the next one. Keys (ReadKey, KeyAvailable) never pass through here,
/// and Read/Peek go straight to the inner reader, so an app that steers with keys is not touched. The inner reader
/// is made on the app's first read, on the app's thread: installing the filter costs the app's startup nothing, and
/// an app that never reads lines never has one.</summary>
internal sealed class CommandFilter : TextReader
{
    readonly Lazy<TextReader> _inner = new(() =>
        new StreamReader(Console.OpenStandardInput(), Console.InputEncoding.RemovePreamble(), detectEncodingFromByteOrderMarks: false, 4096, leaveOpen: true));

    /// <summary>Where %-lines go, once the agent is connected to its compile host.</summary>
    public Action<string>? Sink { get; set; }

    /// <summary>Every line goes to the app, %-lines too (this process turned out not to be the app).</summary>
    public bool PassThrough { get; set; }

    /// <summary>DETOUR_COMMANDS=0 turns the in-terminal commands off; redirected input is left alone unless DETOUR_COMMANDS=1.</summary>
    public static bool Wanted() => Environment.GetEnvironmentVariable("DETOUR_COMMANDS") switch
    {
        "0" => false,
        "1" => true,
        _ => !Console.IsInputRedirected,
    };

    /// <summary>Called before the app's Main, so even its first ReadLine goes through the filter.</summary>
    public static CommandFilter Install()
    {
        var filter = new CommandFilter();
        Console.SetIn(filter);
        return filter;
    }

    TextReader Inner => _inner.Value;

    public override string? ReadLine()
    {
        while (true)
        {
            string? line = Inner.ReadLine();
            if (line is null || PassThrough || !line.StartsWith('%')) return line;
            if (Sink is { } sink) sink(line.Trim());
            else Activation.Say("not connected to a compile host yet: the command was not run");
        }
    }

    public override int Read() => Inner.Read();
    public override int Read(char[] buffer, int index, int count) => Inner.Read(buffer, index, count);
    public override int Peek() => Inner.Peek();
    public override string ReadToEnd() => Inner.ReadToEnd();
}

internal static class EncodingExtensions
{
    /// <summary>Console input never starts with a byte order mark; a reader must not expect one.</summary>
    public static Encoding RemovePreamble(this Encoding encoding) =>
        encoding.Preamble.Length == 0 ? encoding : encoding is UTF8Encoding ? new UTF8Encoding(false) : encoding;
}
