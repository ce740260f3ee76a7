using Detour.Host.Diffing;
using Detour.Host.Rules;

namespace Detour.Host.Sessions;

/// <summary>Closures whose delegates made by the running program keep old bodies until a restart, as the last applied
/// edit of their files reported them (with its reason). A later edit of any of those files reports them afresh.</summary>
internal sealed class OutOfDateClosures
{
    readonly List<(HashSet<string> Files, List<MemberReport> Members)> _byEdit = new();

    public IReadOnlyList<MemberReport> All => _byEdit.SelectMany(o => o.Members).ToList();

    public void Note(IEnumerable<string> files, IEnumerable<MemberReport> members)
    {
        var edited = files.ToHashSet();
        _byEdit.RemoveAll(o => o.Files.Overlaps(edited));
        var stale = members.Where(m => m.Kind == MemberKind.Closure && m.Status == MemberStatus.Skipped).ToList();
        if (stale.Count > 0) _byEdit.Add((edited, stale));
    }
}
