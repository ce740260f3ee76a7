using System.Reflection.Metadata;

[assembly: MetadataUpdateHandler(typeof(Handler))]

/// <summary>An update handler as frameworks declare one; it says on stderr what it was told.</summary>
static class Handler
{
    static void ClearCache(Type[]? types) => Console.Error.WriteLine("handler: ClearCache " + Names(types));
    static void UpdateApplication(Type[]? types) => Console.Error.WriteLine("handler: UpdateApplication " + Names(types));
    static string Names(Type[]? types) => types is null ? "(all)" : string.Join(",", Array.ConvertAll(types, t => t.FullName));
}
