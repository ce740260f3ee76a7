using System.Reflection.Metadata;

[assembly: MetadataUpdateHandler(typeof(Target.UpdateLog))]

namespace Target;

/// <summary>A metadata update handler, as frameworks declare them: records each call, and throws when told to.</summary>
public static class UpdateLog
{
    public static readonly List<string> Calls = new();
    public static bool Throw;
    /// <summary>Fails as Blazor's renderer can: in an async void method, after an await, once the call returned.</summary>
    public static bool ThrowLater;

    public static void ClearCache(Type[]? types) => Record("ClearCache", types);

    public static void UpdateApplication(Type[]? types)
    {
        Record("UpdateApplication", types);
        if (Throw) throw new InvalidOperationException("handler failed on purpose");
        if (ThrowLater) RenderLater();
    }

    static async void RenderLater()
    {
        await Task.Delay(10);
        throw new ArgumentException("The renderer does not have a component with ID 0.");
    }

    static void Record(string step, Type[]? types) =>
        Calls.Add(step + " " + (types is null ? "(all)" : string.Join(",", types.Select(t => t.FullName).Order())));
}
