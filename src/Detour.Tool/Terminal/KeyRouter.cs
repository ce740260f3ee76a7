using System.Text;

namespace Detour.Tool.Terminal;

/// <summary>Where the keys typed in `dotnet detour run`'s terminal go, decided without touching a terminal (so it is
/// unit-tested): to the app, to the Detour prompt, or to a restart.</summary>
internal interface IKeyTarget
{
    /// <summary>Bytes that are the app's, in the order they came: keys, and the terminal's answers to its queries.</summary>
    void ToApp(ReadOnlySpan<byte> bytes);
    /// <summary>What the prompt's line shows: an echoed key, an erase.</summary>
    void Echo(string text);
    void PromptOpened();
    /// <param name="entered">The line was entered, not cancelled.</param>
    void PromptClosed(bool entered);
    /// <summary>A %-line entered at the prompt.</summary>
    void Command(string line);
    void Restart();
}

/// <summary>Routes the terminal's input, as <see cref="TerminalInput"/> splits it. The terminal's answers and pasted
/// text are always the app's, even while the prompt is open: an app that asked where its cursor is waits for the
/// answer, and would stall without it. A key is the prompt's while it is open, and the app's otherwise, but for the
/// escape key and, while a restart is wanted, the restart key.</summary>
internal sealed class KeyRouter(IKeyTarget target)
{
    public const byte EscapeKey = 0x1d, RestartKey = 0x12; // Ctrl+], Ctrl+R
    public const string EscapeKeyName = "Ctrl+]", RestartKeyName = "Ctrl+R";
    public const string PromptText = "detour> ";
    const byte Enter = 0x0d, LineFeed = 0x0a, Escape = 0x1b, Delete = 0x7f, Backspace = 0x08, CtrlC = 0x03;

    /// <summary>How long the prompt waits after a lone ESC for the rest of a sequence before taking it for the Esc key;
    /// longer while the app waits for a cursor position, whose answer may come slowly (a terminal over ssh).</summary>
    public static readonly TimeSpan EscapeWait = TimeSpan.FromMilliseconds(50), AnswerWait = TimeSpan.FromSeconds(1);

    readonly TerminalInput _input = new();
    readonly List<byte> _line = [];
    readonly List<byte> _toApp = [];

    public bool PromptOpen { get; private set; }

    /// <summary>From an edit that needs a restart until the next start: the restart key is Detour's.</summary>
    public volatile bool RestartArmed;

    /// <summary>The prompt holds a lone ESC: call <see cref="EscapeTimedOut"/> if nothing follows soon.</summary>
    public bool WaitingAfterEscape => PromptOpen && _input.PendingIsLoneEscape;

    /// <summary>The bytes of one read from the terminal.</summary>
    public void Route(ReadOnlySpan<byte> bytes)
    {
        foreach (var token in _input.Feed(bytes))
        {
            if (token.Kind != InputKind.Key) { _toApp.AddRange(token.Bytes); continue; }
            if (PromptOpen) { PromptKey(token.Bytes); continue; }
            if (token.Bytes is [EscapeKey]) { PassOnToApp(); OpenPrompt(); continue; }
            if (token.Bytes is [RestartKey] && RestartArmed) { PassOnToApp(); RestartArmed = false; target.Restart(); continue; }
            _toApp.AddRange(token.Bytes);
        }
        // A sequence begun and not ended: the app takes its bytes as they come (an Esc key is not kept waiting); the
        // prompt waits for the rest.
        if (!PromptOpen && _input.Pending.Count > 0) _toApp.AddRange(_input.PassOnPending());
        PassOnToApp();
    }

    /// <summary>Nothing followed a lone ESC: it was the Esc key.</summary>
    public void EscapeTimedOut()
    {
        if (!_input.PendingIsLoneEscape) return;
        var bytes = _input.TakePending();
        if (PromptOpen) PromptKey(bytes);
        else target.ToApp(bytes);
    }

    /// <summary>The app is gone: an open prompt closes, keeping nothing.</summary>
    public void CloseForGood()
    {
        _input.TakePending();
        if (PromptOpen) ClosePrompt();
    }

    void PassOnToApp()
    {
        if (_toApp.Count == 0) return;
        target.ToApp(_toApp.ToArray());
        _toApp.Clear();
    }

    /// <summary>Opens the prompt, as the escape key does (and as the relay does to show a command's answer).</summary>
    public void OpenPrompt()
    {
        PromptOpen = true;
        _line.Clear();
        target.PromptOpened();
    }

    void ClosePrompt(bool entered = false)
    {
        PromptOpen = false;
        target.PromptClosed(entered);
    }

    /// <summary>One key at the prompt's line.</summary>
    void PromptKey(byte[] key)
    {
        if (key.Length > 1) return; // an arrow or function key: the line has no cursor to move
        switch (key[0])
        {
            case Enter or LineFeed:
                string line = Encoding.UTF8.GetString(_line.ToArray()).Trim();
                ClosePrompt(entered: true);
                if (line.Length > 0) target.Command(line.StartsWith('%') ? line : "%" + line);
                return;
            case Escape or EscapeKey or CtrlC:
                ClosePrompt();
                return;
            case Delete or Backspace:
                if (_line.Count == 0) return;
                // A whole UTF-8 character: its continuation bytes, then its lead byte.
                while (_line.Count > 1 && (_line[^1] & 0xc0) == 0x80) _line.RemoveAt(_line.Count - 1);
                _line.RemoveAt(_line.Count - 1);
                target.Echo("\b \b");
                return;
            case < 0x20:
                return;
            default:
                _line.Add(key[0]);
                // A character's last byte echoes the whole character.
                int start = _line.Count - 1;
                while (start > 0 && (_line[start] & 0xc0) == 0x80) start--;
                if ((_line[start] & 0xc0) == 0xc0 && !CompleteAt(start)) return;
                if ((key[0] & 0xc0) != 0x80 && key[0] >= 0xc0) return;
                target.Echo(Encoding.UTF8.GetString(_line.ToArray(), start, _line.Count - start));
                return;
        }
    }

    /// <summary>Whether the UTF-8 character starting at <paramref name="start"/> has all its bytes.</summary>
    bool CompleteAt(int start)
    {
        byte lead = _line[start];
        int length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        return _line.Count - start >= length;
    }
}
