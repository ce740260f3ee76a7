using Detour.Host.Compiling;
using Detour.Host.Diffing;
using Detour.Host.Sources;

namespace Detour.Host.Sessions;

/// <summary>When an edit removed members (or changed their signatures), the other files that name one are compiled with
/// it, not applied: their errors are what the next build will say, and until they are fixed they run the old member.</summary>
internal sealed class BrokenCallers(DeltaCompiler compiler, CompileSetBuilder parser)
{
    readonly Dictionary<string, List<string>> _byFile = new();

    /// <summary>Files that no longer compile with the applied edits, with their errors.</summary>
    public IReadOnlyList<string> All => _byFile.Values.SelectMany(e => e).ToList();

    /// <summary>The errors of files the applied edit broke, as warnings of the edit.</summary>
    public List<string> After(ChangeSet changes, CompileSet set)
    {
        foreach (var path in set.Paths) _byFile.Remove(path); // just compiled with the rest, and applied
        var names = changes.Changes.Where(c => c.Kind == ChangeKind.Removed).Select(c => c.SourceName).Where(n => n.Length > 0).ToHashSet();
        if (names.Count == 0) return [];
        var edited = set.Paths.ToHashSet();
        var suspects = set.Texts.Where(f => !edited.Contains(f.Key) && names.Any(f.Value.Contains)).Select(f => f.Key).ToHashSet();
        if (suspects.Count == 0) return [];
        var trees = set.Texts.Select(f => parser.Parse(f.Key, f.Value)).ToList();
        var errors = compiler.ErrorsIn(trees, suspects)
            .Select(e => $"{e} (this file still uses what the edit removed; it runs the old member until it is fixed)").ToList();
        foreach (var path in suspects)
        {
            var own = errors.Where(e => e.StartsWith(path + "(", StringComparison.Ordinal)).ToList();
            if (own.Count > 0) _byFile[path] = own;
            else _byFile.Remove(path);
        }
        return errors;
    }
}
