namespace Detour.Host.Binding;

/// <summary>Where an async method or iterator suspends: each await (a call of the builder's AwaitOnCompleted or
/// AwaitUnsafeOnCompleted) and each yield (a store to &lt;&gt;2__current) is a state a running call can resume at.</summary>
internal static class StateMachines
{
    static readonly string[] AwaitCalls = ["::AwaitUnsafeOnCompleted", "::AwaitOnCompleted"];
    const string YieldStore = "::<>2__current";

    /// <summary>Counted in a MoveNext's IL text as the diff writes it (with what it folds in, the same way before and
    /// after an edit).</summary>
    public static int SuspensionPoints(string ilText)
    {
        int count = 0;
        foreach (var line in ilText.Split('\n'))
        {
            if (line.StartsWith("call") && AwaitCalls.Any(a => line.Contains(a, StringComparison.Ordinal))) count++;
            else if (line.StartsWith("stfld") && line.EndsWith(YieldStore, StringComparison.Ordinal)) count++;
        }
        return count;
    }
}
