namespace Detour.Tool.Terminal;

/// <summary>Detour's lines in the tool's terminal: those not yet written (they wait while the app's screen is its own,
/// or the prompt is open), and the most recent ones, which the prompt shows on a full-screen app.</summary>
internal sealed class DetourLines
{
    public const string Prefix = "detour: ";
    const int Kept = 50;
    readonly Queue<string> _unwritten = new();
    readonly List<string> _recent = [];

    public IReadOnlyList<string> Recent => _recent;

    public void Add(string line)
    {
        _unwritten.Enqueue(line);
        _recent.Add(line);
        if (_recent.Count > Kept) _recent.RemoveAt(0);
        // A flood while the app's screen is its own is cut, and says so, rather than kept without end.
        if (_unwritten.Count > 10 * Kept) { while (_unwritten.Count > Kept) _unwritten.Dequeue(); _unwritten.Enqueue("(earlier lines of Detour's were dropped)"); }
    }

    public List<string> TakeUnwritten()
    {
        var lines = _unwritten.ToList();
        _unwritten.Clear();
        return lines;
    }
}
