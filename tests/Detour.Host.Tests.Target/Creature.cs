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

/// <summary>A record: a property added to it takes part in its equality, printing and copies.</summary>
public record Pet(string Name)
{
    public string Show() => Name;
}
