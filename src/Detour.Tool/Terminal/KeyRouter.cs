using System.Text;

namespace Detour.Tool.Terminal;

/// <summary>Where the keys typed in `dotnet detour run`'s terminal go, decided without touching a terminal (so it is
/// unit-tested): to the app, to the Detour prompt, or to a restart.</summary>
internal interface IKeyTarget
{
    /// <summary>Keys that are the app's, in the order typed.</summary>
    void ToApp(ReadOnlySpan<byte> keys);
    /// <summary>What the prompt's line shows: the prompt itself, an echoed key, an erase.</summary>
    void Echo(string text);
    void PromptOpened();
    void PromptClosed();
    /// <summary>A %-line entered at the prompt.</summary>
    void Command(string line);
    void Restart();
}

internal sealed class KeyRouter(IKeyTarget target)
{
    public const byte EscapeKey = 0x1d, RestartKey = 0x12; // Ctrl+], Ctrl+R
    public const string EscapeKeyName = "Ctrl+]", RestartKeyName = "Ctrl+R";
    public const string PromptText = "detour> ";
    const byte Enter = 0x0d, LineFeed = 0x0a, Escape = 0x1b, Delete = 0x7f, Backspace = 0x08, CtrlC = 0x03;

    readonly List<byte> _line = [];

    public bool PromptOpen { get; private set; }

    /// <summary>From an edit that needs a restart until the next start: the restart key is Detour's.</summary>
    public volatile bool RestartArmed;

    /// <summary>Keys as one read from the terminal gave them.</summary>
    public void Route(ReadOnlySpan<byte> keys)
    {
        int appFrom = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            byte key = keys[i];
            if (PromptOpen)
            {
                i = Prompt(keys, i);
                appFrom = i + 1;
            }
            else if (key == EscapeKey || (key == RestartKey && RestartArmed))
            {
                if (i > appFrom) target.ToApp(keys[appFrom..i]);
                appFrom = i + 1;
                if (key == EscapeKey) OpenPrompt();
                else { RestartArmed = false; target.Restart(); }
            }
        }
        if (!PromptOpen && appFrom < keys.Length) target.ToApp(keys[appFrom..]);
    }

    void OpenPrompt()
    {
        PromptOpen = true;
        _line.Clear();
        target.PromptOpened();
        target.Echo("\r\n\u001b[K" + PromptText);
    }

    void ClosePrompt()
    {
        PromptOpen = false;
        target.PromptClosed();
    }

    /// <summary>One key of the prompt's line; returns the index of the last key it used.</summary>
    int Prompt(ReadOnlySpan<byte> keys, int i)
    {
        byte key = keys[i];
        switch (key)
        {
            case Enter or LineFeed:
                target.Echo("\r\n");
                string line = Encoding.UTF8.GetString(_line.ToArray()).Trim();
                ClosePrompt();
                if (line.Length > 0) target.Command(line.StartsWith('%') ? line : "%" + line);
                return i;
            case Escape or EscapeKey or CtrlC:
                target.Echo("\r\u001b[K");
                ClosePrompt();
                // The rest of an escape sequence (an arrow key, say) is the prompt's too, not the app's.
                if (key == Escape && i + 1 < keys.Length && keys[i + 1] is (byte)'[' or (byte)'O')
                {
                    i += 2;
                    while (i < keys.Length && keys[i] is < 0x40 or > 0x7e) i++;
                    i = Math.Min(i, keys.Length - 1);
                }
                return i;
            case Delete or Backspace:
                if (_line.Count == 0) return i;
                // A whole UTF-8 character: its continuation bytes, then its lead byte.
                while (_line.Count > 1 && (_line[^1] & 0xc0) == 0x80) _line.RemoveAt(_line.Count - 1);
                _line.RemoveAt(_line.Count - 1);
                target.Echo("\b \b");
                return i;
            default:
                if (key < 0x20) return i;
                _line.Add(key);
                // A character's last byte echoes the whole character.
                if ((key & 0xc0) != 0x80 && key >= 0xc0) return i;
                int start = _line.Count - 1;
                while (start > 0 && (_line[start] & 0xc0) == 0x80) start--;
                if ((_line[start] & 0xc0) == 0xc0 && !CompleteAt(start)) return i;
                target.Echo(Encoding.UTF8.GetString(_line.ToArray(), start, _line.Count - start));
                return i;
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
