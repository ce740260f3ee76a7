namespace Target;

public class Dog : Animal
{
    public string Name = "rex";
}
