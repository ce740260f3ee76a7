using Detour.Host.Binding;
using Detour.Host.Compiling;
using Detour.Host.Diffing;
using Detour.Host.Model;
using Mono.Cecil;

namespace Detour.Host.Relinking;

/// <summary>A delta whose IL now names the live program: <paramref name="AddedFieldAccessors"/> gives, for each
/// instance field this generation adds to a class, the type that holds its storage's accessor;
/// <paramref name="Dispatchers"/> are the redirects of methods to the dispatchers of the overrides the edit added.</summary>
internal sealed record RelinkedDelta(ModuleDefinition Module, IReadOnlyDictionary<MemberKey, string> AddedFieldAccessors, IReadOnlyList<MemberChange> Dispatchers);

/// <summary>Binds a delta's IL to the live program (Cecil IL rewriting): a type that exists live becomes a holder of
/// static methods taking the instance first, and every reference to it or its members points at the live ones.
/// Only for an edit that needs no restart.</summary>
internal static class Relinker
{
    public static RelinkedDelta Relink(LiveBinding binding, ChangeSet changes, IReadOnlyDictionary<MemberKey, StaticInitializer> newInitializers,
        IReadOnlyList<MemberChange>? addedOverrides = null)
    {
        var module = binding.Module;
        var import = new LiveImporter(module);
        var runtime = new RuntimeWorld(binding, changes, import);
        var mapper = new TypeMapper(d => binding.Types.TryGetValue(d, out var t) ? import.Type(t) : runtime.Contains(d) ? runtime.Reference(d) : null,
            AddedInReferencedProject);
        TypeReference? AddedInReferencedProject(TypeReference type) =>
            LiveBinding.ScopeName(type) is { } scope && binding.ReferencedProject(scope) is { } project &&
            project.AddedTypes.TryGetValue(type.FullName, out var home) ? import.Type(home) : null;

        var (accessors, added) = AddedFieldStorage(binding, runtime, mapper, import);
        var runInHolder = new HashSet<FieldDefinition>();
        foreach (var (t, _) in binding.Types)
            if (!binding.IsMappedClosure(t) && t.Methods.FirstOrDefault(m => m.IsConstructor && m.IsStatic) is { HasBody: true } cctor)
                runInHolder.UnionWith(InitializerCutter.KeepOnlyThoseToRun(t, cctor, changes, newInitializers));
        var rewriter = new IlRewriter(binding, runtime, mapper, import, accessors, runInHolder);
        foreach (var t in ModuleTypes.All(module).ToList())
        foreach (var m in t.Methods.Where(m => m.HasBody))
            rewriter.RewriteBody(t, m);
        foreach (var (t, liveType) in binding.Types) HolderConverter.Convert(t, liveType, binding.IsMappedClosure(t), import, module);
        foreach (var t in ModuleTypes.All(module).ToList()) mapper.MapSignatures(t);
        var dispatchers = OverrideDispatchers.Define(binding, import, addedOverrides ?? [], changes.Changes);
        runtime.RemoveFrom(module);
        return new RelinkedDelta(module, added, dispatchers);
    }

    /// <summary>The accessor of every instance field the delta's classes have and the live ones lack: an earlier
    /// generation's, or one this generation declares (native-notes/added-instance-fields.md).</summary>
    static (Dictionary<FieldDefinition, MethodReference> Accessors, Dictionary<MemberKey, string> Added) AddedFieldStorage(LiveBinding binding,
        RuntimeWorld runtime, TypeMapper mapper, LiveImporter import)
    {
        var accessors = new Dictionary<FieldDefinition, MethodReference>();
        var added = new Dictionary<MemberKey, string>();
        foreach (var (t, liveType) in binding.Types)
        {
            if (binding.IsMappedClosure(t) || liveType.IsValueType) continue;
            foreach (var f in t.Fields.Where(f => !f.IsStatic && binding.LiveField(f) is null && !runtime.Contains(f)))
            {
                var key = MemberKey.Of(f);
                if (binding.Live.AddedInstanceFields.TryGetValue(key, out var known)) accessors[f] = import.Method(known);
                else
                {
                    accessors[f] = AddedInstanceFields.DefineAccessor(binding.Module, mapper.Map(f.FieldType), added.Count);
                    added[key] = accessors[f].DeclaringType.FullName;
                }
            }
        }
        return (accessors, added);
    }
}
