namespace Target;

public class Game
{
    public static int Speed = 3;
    public static string Title = "game";
    public int Score;

    public int Tick() { Score += Speed; return Score; }
    public string Greet(string who) => "hello " + who;
    public static int Twice(int x) => x * 2;
    public Func<int, int> MakeAdder() => x => x + 1;
    public Action MakeIncrement() => () => Score++;
    public int Throws() => throw new InvalidOperationException("boom");
}
