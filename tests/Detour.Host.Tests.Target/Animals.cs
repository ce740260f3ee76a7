namespace Target;

/// <summary>A base class in a file of its own: an override added in Dogs.cs must bring this file into the edit.</summary>
public class Animal
{
    public virtual string Speak() => "...";

    public string Growl() => Noise();

    protected virtual string Noise() => "silence";
}
