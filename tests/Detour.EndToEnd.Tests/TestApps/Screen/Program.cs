// Keys: q quits (exit code 7), e quits 1.5 s later, c crashes, k kills itself where it stands. Before it quits or
// crashes, it leaves the alternate screen and says its last words on the normal one.
Console.Write("\u001b[?1049h");
Console.CursorVisible = false;
int frame = 0;
string lastKey = "-";
DateTime? quitAt = null;
while (true)
{
    frame++;
    Console.SetCursorPosition(0, 0);
    Console.Write($"frame {frame} {Painter.Color()} key {lastKey}    ");
    // An escape sequence written as text leaves .NET unsure where the cursor is, so CursorLeft asks the terminal (but
    // for the last frames before quitting, as a game whose player died only counts down).
    Console.Write("\u001b[0m");
    int left = quitAt is null ? Console.CursorLeft : -1;
    Console.SetCursorPosition(0, 1);
    Console.Write($"cursor {left}    ");
    if (quitAt is { } at && DateTime.UtcNow >= at) return Quit();
    while (Console.KeyAvailable)
    {
        char key = Console.ReadKey(intercept: true).KeyChar;
        lastKey = key.ToString();
        switch (key)
        {
            case 'q': return Quit();
            case 'e': quitAt = DateTime.UtcNow.AddMilliseconds(1500); break;
            case 'c': Console.Write("\u001b[?1049l"); throw new InvalidOperationException($"crashed at frame {frame}");
            case 'k': System.Diagnostics.Process.GetCurrentProcess().Kill(); break; // on the alternate screen, cursor hidden
        }
    }
    Thread.Sleep(20);
}

int Quit()
{
    Console.Write("\u001b[?1049l");
    Console.CursorVisible = true;
    Console.WriteLine($"last words after {frame} frames, {Painter.Color()}");
    return 7;
}
