namespace Detour.Tool;

public enum Verbosity { Quiet, Normal, Verbose }

/// <summary>Detour's own lines, on the tool's stderr with a "detour:" prefix: the app's stdout stays the app's.</summary>
public sealed class ToolOutput(Verbosity verbosity)
{
    public Verbosity Verbosity => verbosity;

    /// <summary>The app's pseudo-terminal relay, when there is one: it decides when a line can be written.</summary>
    public Action<string>? Terminal { get; set; }

    /// <summary>A line from the compile host. Quiet keeps only what went wrong or needs a restart.</summary>
    public void Host(string line)
    {
        if (verbosity == Verbosity.Quiet && !IsTrouble(line)) return;
        Write(line);
    }

    public void Info(string line) { if (verbosity != Verbosity.Quiet) Write(line); }
    public void Verbose(string line) { if (verbosity == Verbosity.Verbose) Write(line); }
    public void Error(string line) => Write(line);

    static bool IsTrouble(string line) =>
        line.Contains(": error") || line.Contains("rude edit") || line.Contains("not applied") || line.Contains("restart") ||
        line.Contains("could not") || line.Contains("failed");

    static readonly object Gate = new();

    void Write(string line)
    {
        if (Terminal is { } terminal) { terminal(line); return; }
        // An app redrawing its line with '\r' on the same terminal keeps its own line.
        string start = Console.IsErrorRedirected ? "" : "\r\u001b[K";
        lock (Gate) Console.Error.WriteLine(start + "detour: " + line);
    }
}

/// <summary>A failure of the tool the user can act on; printed as it is, exit code 1.</summary>
public sealed class ToolException(string message) : Exception(message);
