namespace Target;

public partial class Parts
{
    public int B() => A() + Offset;
    static int Offset = 10;
}
