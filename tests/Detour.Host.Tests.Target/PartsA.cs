namespace Target;

public partial class Parts
{
    public int A() => 1;
}
