namespace Detour.Tool.Terminal;

/// <summary>Where the Detour prompt is drawn, and how it is taken away again. Under a line-oriented app it takes the next
/// line. On a full-screen app it takes the bottom lines, Detour's recent lines above the prompt, and gives them back
/// empty with the cursor where the app left it: the app's next redraw fills them.</summary>
internal abstract class PromptArea
{
    public abstract string Open();

    /// <summary>Detour's recent lines are shown above the prompt, and follow as new ones come.</summary>
    public virtual bool ShowsLines => false;

    /// <param name="entered">The line was entered (not cancelled): under a line-oriented app it stays, as typed.</param>
    public abstract string Close(bool entered);

    public static PromptArea OnTheNextLine() => new NextLine();

    public static PromptArea AtTheBottom(IReadOnlyList<string> recent)
    {
        var (rows, columns) = TerminalState.WindowSize(0) ?? (24, 80);
        int shown = Math.Min(recent.Count, Math.Max(0, Math.Min(10, rows / 2)));
        return new Bottom(recent.Skip(recent.Count - shown).ToList(), rows, columns);
    }

    sealed class NextLine : PromptArea
    {
        public override string Open() => "\r\n\u001b[K" + KeyRouter.PromptText;
        public override string Close(bool entered) => entered ? "\r\n" : "\r\u001b[K";
    }

    sealed class Bottom(List<string> lines, int rows, int columns) : PromptArea
    {
        int FirstRow => rows - lines.Count;

        public override bool ShowsLines => true;

        public override string Open()
        {
            var text = new System.Text.StringBuilder("\u001b7"); // the app's cursor, saved
            for (int i = 0; i < lines.Count; i++)
                text.Append($"\u001b[{FirstRow + i};1H\u001b[2K").Append(Fit(DetourLines.Prefix + lines[i]));
            text.Append($"\u001b[{rows};1H\u001b[2K").Append(KeyRouter.PromptText);
            return text.ToString();
        }

        public override string Close(bool entered)
        {
            var text = new System.Text.StringBuilder();
            for (int row = FirstRow; row <= rows; row++) text.Append($"\u001b[{row};1H\u001b[2K");
            return text.Append("\u001b8").ToString();
        }

        string Fit(string line) => line.Length < columns ? line : line[..Math.Max(0, columns - 2)] + "…";
    }
}
