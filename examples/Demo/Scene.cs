namespace Demo;

public class Scene
{
    // Try: change Speed, the characters in Draw, or the colour; add a method and call it.
    public static int Speed = 1;
    public int Frame;
    int _position;

    public string Draw()
    {
        _position = (_position + Speed) % 30;
        string track = new string('.', _position) + "*" + new string('.', 29 - _position);
        return $"\u001b[36mframe {Frame,5} [{track}]\u001b[0m";
    }
}
