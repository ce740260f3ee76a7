namespace Detour.Tool.Terminal;

/// <summary>What the app's output says of its screen: whether it shows a full-screen UI (the alternate screen buffer, or
/// a screen it redraws by moving the cursor), and how many of its cursor-position queries wait for the terminal's
/// answer. Control sequences are read as ECMA-48 frames them, across writes.</summary>
internal sealed class AppScreen
{
    const byte Esc = 0x1b;

    /// <summary>An app that moved the cursor or cleared the screen redraws it, until it has written a screenful of lines
    /// the ordinary way: then what it shows is scrolled output again (a line-oriented app that cleared the screen once).
    /// Counted in what it writes, not in time: an app paused by the prompt is still the app it was.</summary>
    readonly Func<int> _screenRows;

    public AppScreen(Func<int> screenRows) => _screenRows = screenRows;

    readonly List<byte> _sequence = [];
    bool _redrawing;
    int _linesSinceRedraw;
    int _cursorQueries;

    public bool AlternateScreen { get; private set; }

    public bool IsFullScreen => AlternateScreen || _redrawing;

    /// <summary>Cursor-position queries (CSI 6 n) the app has written that no answer has passed to it yet.</summary>
    public int CursorQueriesWaiting => _cursorQueries;

    /// <summary>A new app, or none: nothing it showed holds any more.</summary>
    public void Reset()
    {
        _sequence.Clear();
        AlternateScreen = false;
        _redrawing = false;
        _cursorQueries = 0;
    }

    /// <summary>A cursor-position answer went to the app.</summary>
    public void Answered() => _cursorQueries = Math.Max(0, _cursorQueries - 1);

    /// <summary>The app wrote these bytes.</summary>
    public void Saw(ReadOnlySpan<byte> output)
    {
        foreach (byte b in output)
        {
            if (_sequence.Count == 0)
            {
                if (b == Esc) _sequence.Add(b);
                else if (b == (byte)'\n' && _redrawing && ++_linesSinceRedraw >= _screenRows()) _redrawing = false;
                continue;
            }
            _sequence.Add(b);
            if (_sequence.Count == 2)
            {
                if (b != (byte)'[') _sequence.Clear(); // only CSI matters here
                continue;
            }
            if (b is >= 0x20 and <= 0x3f && _sequence.Count < 64) continue;
            if (b is >= 0x40 and <= 0x7e) Csi(_sequence[^1], System.Text.Encoding.ASCII.GetString(_sequence.ToArray(), 2, _sequence.Count - 3));
            _sequence.Clear();
        }
    }

    void Csi(byte final, string parameters)
    {
        switch ((char)final)
        {
            case 'h' or 'l' when parameters is "?1049" or "?1047" or "?47":
                AlternateScreen = final == (byte)'h';
                break;
            case 'H' or 'f':
            case 'J' when parameters is "" or "0" or "2" or "3":
                _redrawing = true;
                _linesSinceRedraw = 0;
                break;
            case 'n' when parameters is "6" or "?6":
                _cursorQueries++;
                break;
        }
    }
}
