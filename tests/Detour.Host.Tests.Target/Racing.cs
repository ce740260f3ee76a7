namespace Target;

/// <summary>Called as fast as two threads can while edits retarget it.</summary>
public static class Racing
{
    public static int Value() => 0;
}
