namespace Target;

/// <summary>Runs until told to return: an old generation's frame that is still on a stack.</summary>
public static class Waiter
{
    public static int Hold(ManualResetEventSlim entered, ManualResetEventSlim go)
    {
        entered.Set();
        go.Wait();
        return 1;
    }
}
