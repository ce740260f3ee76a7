namespace Target;

/// <summary>A generic type's lambdas, one capturing nothing but `this` and one sharing a local: RuntimeUpdateTests edit
/// them through the runtime's update.</summary>
public class Bag<T>
{
    public T? Item;

    public Func<string> Teller()
    {
        int times = 1;
        return () => "bag holds " + Item;
    }

    public Func<int, string> Tally(int start)
    {
        int seen = start;
        return n =>
        {
            seen += n;
            return "seen " + seen;
        };
    }

    public async Task<string> Fetch(int n)
    {
        await Task.Yield();
        return "fetched " + n;
    }
}
