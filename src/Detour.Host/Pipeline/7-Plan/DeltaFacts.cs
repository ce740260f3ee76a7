using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using Detour.Channel;

namespace Detour.Host.Planning;

/// <summary>What an emitted update does to the code already running, read from its metadata delta.</summary>
/// <param name="RetiresCode">Roslyn gave a method of the build a body that throws HotReloadException: a lambda it
/// re-created or deleted, whose delegates made before the edit would throw.</param>
internal sealed record DeltaFacts(bool RetiresCode)
{
    /// <summary>The start of Roslyn's message in such a body (emitted in the invariant culture).</summary>
    const string RetiredBody = "Attempted to invoke ";

    public static DeltaFacts Of(MetadataUpdate update)
    {
        var reader = MetadataReaderProvider.FromMetadataImage([.. update.Metadata]).GetMetadataReader();
        return new DeltaFacts(UserStrings(reader).Any(s => s.StartsWith(RetiredBody, StringComparison.Ordinal)));
    }

    static IEnumerable<string> UserStrings(MetadataReader reader)
    {
        var handle = MetadataTokens.UserStringHandle(1);
        for (int i = 0; i < 100_000 && !handle.IsNil && reader.GetHeapSize(HeapIndex.UserString) > MetadataTokens.GetHeapOffset(handle); i++)
        {
            string text;
            try { text = reader.GetUserString(handle); handle = reader.GetNextHandle(handle); }
            catch (BadImageFormatException) { yield break; }
            yield return text;
        }
    }
}
