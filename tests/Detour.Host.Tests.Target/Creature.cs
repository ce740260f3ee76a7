namespace Target;

/// <summary>A class whose edits add instance fields and auto-properties.</summary>
public class Creature
{
    public string Name = "c";
    public string Describe() => Name;
}

/// <summary>A struct: fields added to it change its size.</summary>
public struct Spot
{
    public int X;
    public int Sum() => X;
}
