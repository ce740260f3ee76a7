namespace Target;

/// <summary>Members for the rule rows beyond plain bodies: properties, events, async, iterators, renames.</summary>
public class Account
{
    public static readonly string Currency = "EUR";
    public int Balance { get; set; } = 100;
    public string Label => "balance " + Balance;
    public int Fee() => 1;
    public int LastSeen;
    public int Seen;
    public event Action<int>? Changed;

    public Account() { Changed += OnChanged; }

    void OnChanged(int value) { LastSeen = value; }
    public void Deposit(int amount) { Balance += amount; Changed?.Invoke(Balance); }
    public void WatchWithLambda() => Changed += v => Seen = v;

    public async Task<int> AddLater(int x, Task gate) { await gate; return x + 1; }
    public IEnumerable<int> Evens(int count) { for (int i = 0; i < count; i++) yield return i * 2; }

    public static string Format(int x) => "#" + x;
    public string Show() => Format(Balance);
    public Func<int> Capture(int a) => () => a + 1;
}
