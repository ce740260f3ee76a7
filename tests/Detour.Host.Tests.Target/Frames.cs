namespace Target;

/// <summary>A local function that shares its caller's variables: the compiler passes them as a struct, by reference.</summary>
public static class Frames
{
    public static string Run(int count)
    {
        var colors = new[] { "red", "green" };
        int frame = 0;
        string last = "";
        for (int i = 0; i < count; i++) last = Draw(null);
        return last;

        string Draw(int? extra)
        {
            frame++;
            return $"{frame} {colors[frame % colors.Length]}{extra}";
        }
    }
}
