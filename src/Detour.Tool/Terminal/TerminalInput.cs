namespace Detour.Tool.Terminal;

/// <summary>What one piece of the terminal's input is: a key the user typed, the terminal's answer to a query of the
/// app's (cursor position, device attributes, focus, a string reply), or text the user pasted (xterm's bracketed paste).</summary>
internal enum InputKind { Key, Answer, Paste }

internal readonly record struct InputToken(InputKind Kind, byte[] Bytes);

/// <summary>Splits what the terminal sends into keys and answers, as ECMA-48 and xterm frame them: a control or a
/// character is one key; ESC starts a sequence, CSI (ESC [) runs to its final byte (0x40-0x7E), SS3 (ESC O) takes one
/// more byte, and OSC, DCS, APC, PM and SOS strings run to BEL or ST. A sequence split over reads stays
/// <see cref="Pending"/> until its last byte comes.</summary>
internal sealed class TerminalInput
{
    const byte Esc = 0x1b, Bel = 0x07;
    static readonly byte[] PasteEnd = [Esc, (byte)'[', (byte)'2', (byte)'0', (byte)'1', (byte)'~'];

    readonly List<byte> _current = [];
    int _passedOn;   // bytes of the current sequence already given to the app
    bool _inPaste;

    /// <summary>The bytes of a sequence (or paste) begun and not yet complete.</summary>
    public IReadOnlyList<byte> Pending => _current;

    /// <summary>Only an ESC is pending: the Esc key, or the start of a sequence whose rest is on its way.</summary>
    public bool PendingIsLoneEscape => _current is [Esc] && !_inPaste;

    /// <summary>The complete tokens in these bytes, with what came before them.</summary>
    public List<InputToken> Feed(ReadOnlySpan<byte> bytes)
    {
        var tokens = new List<InputToken>();
        foreach (byte b in bytes)
            if (Add(b) is { } token) tokens.Add(token);
        return tokens;
    }

    /// <summary>Gives up on the pending sequence (the Esc key was pressed alone, say): its bytes not yet passed on.</summary>
    public byte[] TakePending()
    {
        var bytes = _current.Skip(_passedOn).ToArray();
        _current.Clear();
        _passedOn = 0;
        _inPaste = false;
        return bytes;
    }

    /// <summary>The pending bytes not yet passed on, which the caller gives to the app now; the rest of their sequence
    /// will come in its token without them.</summary>
    public byte[] PassOnPending()
    {
        var bytes = _current.Skip(_passedOn).ToArray();
        _passedOn = _current.Count;
        return bytes;
    }

    InputToken? Add(byte b)
    {
        if (_inPaste)
        {
            _current.Add(b);
            return EndsWith(PasteEnd) ? Complete(InputKind.Paste) : null;
        }
        if (_current.Count == 0)
        {
            if (b == Esc) { _current.Add(b); return null; }
            return new InputToken(InputKind.Key, [b]);
        }
        // ESC ESC: the first was a key of its own (Alt held with Esc comes as the same bytes); the second starts afresh.
        if (_current.Count == 1 && b == Esc)
        {
            var first = Complete(InputKind.Key);
            _current.Add(Esc);
            return first;
        }
        _current.Add(b);
        byte introducer = _current[1];
        switch (introducer)
        {
            case (byte)'[':
                if (_current.Count == 2 || b is >= 0x20 and <= 0x3f) return null; // parameters and intermediates
                if (b is < 0x40 or > 0x7e) return Complete(InputKind.Key);     // malformed: passed on as it is
                return ClassifyCsi();
            case (byte)'O':
                return _current.Count == 3 ? Complete(InputKind.Key) : null;
            case (byte)']' or (byte)'P' or (byte)'_' or (byte)'^' or (byte)'X':
                bool ended = b == Bel && introducer == (byte)']' || _current.Count > 3 && _current[^2] == Esc && b == (byte)'\\';
                return ended ? Complete(InputKind.Answer) : null;
            default:
                return Complete(InputKind.Key); // Alt+key
        }
    }

    /// <summary>The terminal's answers are the reports xterm sends unasked-for by the user: cursor position (CSI r;c R),
    /// device attributes (CSI ? … c, CSI > … c), status (CSI … n), mode (CSI … $ y) and window reports (CSI … t), and
    /// focus (CSI I, CSI O). CSI 200~ starts a paste.</summary>
    InputToken? ClassifyCsi()
    {
        byte final = _current[^1];
        string parameters = System.Text.Encoding.ASCII.GetString(_current.ToArray(), 2, _current.Count - 3);
        if (final == (byte)'~' && parameters == "200")
        {
            _inPaste = true;
            return null;
        }
        bool answer = final switch
        {
            (byte)'R' or (byte)'n' or (byte)'t' => parameters.Length > 0,
            (byte)'c' => parameters.StartsWith('?') || parameters.StartsWith('>'),
            (byte)'y' => parameters.EndsWith('$'),
            (byte)'I' or (byte)'O' => parameters.Length == 0,
            _ => false,
        };
        return Complete(answer ? InputKind.Answer : InputKind.Key);
    }

    InputToken Complete(InputKind kind)
    {
        var bytes = _current.Skip(_passedOn).ToArray();
        _current.Clear();
        _passedOn = 0;
        _inPaste = false;
        return new InputToken(kind, bytes);
    }

    bool EndsWith(byte[] end)
    {
        if (_current.Count < end.Length) return false;
        for (int i = 0; i < end.Length; i++)
            if (_current[_current.Count - end.Length + i] != end[i]) return false;
        return true;
    }
}
