using System.Reflection.Metadata;

[assembly: MetadataUpdateHandler(typeof(Target.UpdateLog))]

namespace Target;

/// <summary>A metadata update handler, as frameworks declare them: records each call, and throws when told to.</summary>
public static class UpdateLog
{
    public static readonly List<string> Calls = new();
    public static bool Throw;

    public static void ClearCache(Type[]? types) => Record("ClearCache", types);

    public static void UpdateApplication(Type[]? types)
    {
        Record("UpdateApplication", types);
        if (Throw) throw new InvalidOperationException("handler failed on purpose");
    }

    static void Record(string step, Type[]? types) =>
        Calls.Add(step + " " + (types is null ? "(all)" : string.Join(",", types.Select(t => t.FullName).Order())));
}
