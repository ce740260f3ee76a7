using Detour.Host.Diffing;
using Detour.Host.Model;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Detour.Host.Relinking;

/// <summary>A holder's static constructor runs only the initializers of fields that are re-initialized or added. The
/// other initializers and the explicit static constructor body ran once in the live type; running them again would
/// repeat their side effects. Statements are cut by their sequence points.</summary>
internal static class InitializerCutter
{
    /// <summary>Cuts <paramref name="cctor"/> down; returns the fields whose initializers it still runs.</summary>
    public static IReadOnlyCollection<FieldDefinition> KeepOnlyThoseToRun(TypeDefinition holder, MethodDefinition cctor, ChangeSet changes,
        IReadOnlyDictionary<MemberKey, StaticInitializer> initializers)
    {
        var run = changes.Changes.Where(c => c.Field?.DeclaringType == holder && c.NeedsRestart is null &&
                                             (c.InitializerChanged && !c.KeepValue || c.Kind == ChangeKind.Added))
                                 .Select(c => c.Field!).ToList();
        var spans = run.Select(f => initializers.GetValueOrDefault(MemberKey.Of(f))).OfType<StaticInitializer>().ToList();
        var points = cctor.DebugInformation.SequencePoints.Where(p => !p.IsHidden).OrderBy(p => p.Offset).ToList();
        bool keep = false;
        int next = 0;
        var cut = new HashSet<Instruction>();
        foreach (var ins in cctor.Body.Instructions)
        {
            while (next < points.Count && points[next].Offset <= ins.Offset)
            {
                var p = points[next++];
                keep = spans.Any(s => s.Contains(p.Document.Url, p.StartLine - 1, p.StartColumn - 1));
            }
            if (keep || ins.OpCode == OpCodes.Ret) continue;
            cut.Add(ins);
            ins.OpCode = OpCodes.Nop;
            ins.Operand = null;
        }
        foreach (var h in cctor.Body.ExceptionHandlers.Where(h => cut.Contains(h.TryStart)).ToList())
            cctor.Body.ExceptionHandlers.Remove(h);
        return run;
    }
}
