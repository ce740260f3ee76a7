using System.Reflection;
using Detour.Channel;
using Detour.Host.Diffing;
using Detour.Host.Model;
using Detour.Host.Rules;
using Mono.Cecil;

namespace Detour.Host.Planning;

/// <summary>The parts of a plan the agent resolves in the app: which original gets which replacement, which static
/// fields take which new value, and which types the update handlers hear about.</summary>
internal static class PlanBuilder
{
    public static MethodHandleRef HandleOf(MethodBase live) => new(live.Module.Assembly.GetName().Name!, live.MetadataToken);

    public static List<Redirect> Redirects(IEnumerable<MemberChange> detoured) =>
        detoured.Select(c => new Redirect(HandleOf(c.Live!), c.Method!.MetadataToken.ToInt32(), c.DisplayName)).ToList();

    /// <param name="liveAssembly">The project's assembly: where a field the runtime added is, by name.</param>
    public static List<Reinitialization> Reinitializations(IEnumerable<MemberChange> reinitialized, string liveAssembly) =>
        reinitialized.Select(c => new Reinitialization(c.Field!.DeclaringType.MetadataToken.ToInt32(), c.Field.Name,
            c.LiveField is { } field ? new FieldHandleRef(field.Module.Assembly.GetName().Name!, field.MetadataToken)
                : new FieldHandleRef(liveAssembly, 0, MetadataNames.ToReflection(c.TypeName), c.Field.Name), c.DisplayName,
            Added: c.Kind == ChangeKind.Added)).ToList();

    /// <summary>The types an update handler hears about: the live types whose members changed or gained members (a
    /// compiler-generated nested type counts as the type that declares it), and the types the edit added.</summary>
    public static List<TypeHandleRef> UpdatedTypes(ModuleDefinition module, ChangeSet changes, RuleDecisions decisions, LiveProgram live, string generationName)
    {
        var found = new List<TypeHandleRef>();
        void Add(TypeHandleRef t) { if (!found.Contains(t)) found.Add(t); }
        void AddLive(Type? type)
        {
            while (type is { IsNested: true } && CompilerNames.IsGenerated(type.Name)) type = type.DeclaringType;
            if (type is not null) Add(new TypeHandleRef(type.Assembly.GetName().Name!, type.MetadataToken));
        }
        // A type the runtime added has no token known here: it is named.
        void AddByName(string typeName) =>
            Add(new TypeHandleRef(live.Original.GetName().Name!, 0, MetadataNames.ToReflection(CompilerNames.OwningType(typeName))));
        foreach (var c in decisions.Detour) AddLive(c.Live!.DeclaringType);
        foreach (var c in decisions.Reinitialize)
            if (c.LiveField is { } field) AddLive(field.DeclaringType);
            else AddByName(c.TypeName);
        foreach (var c in decisions.RuntimeUpdate)
            if (c.Live is { } method) AddLive(method.DeclaringType);
            else AddByName(c.TypeName);
        foreach (var c in changes.Changes.Where(c => c.IsTakenAddition))
        {
            if (live.FindType(c.TypeName) is { } liveType) AddLive(liveType);
            else if (c.ThroughRuntime) AddByName(c.TypeName);
            else if (c.Category == MemberKind.Type && module.GetType(c.TypeName) is { } added) Add(new TypeHandleRef(generationName, added.MetadataToken.ToInt32()));
        }
        return found;
    }
}
