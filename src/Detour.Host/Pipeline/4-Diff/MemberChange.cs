using System.Reflection;
using Detour.Host.Model;
using Mono.Cecil;

namespace Detour.Host.Diffing;

internal enum ChangeKind { Changed, Added, Removed, Unchanged }

/// <summary>What kind of member a change is about.</summary>
public enum MemberKind { Method, Accessor, Constructor, Operator, LocalFunction, Lambda, Closure, Type, Field, StaticField, StaticConstructor, EntryPoint, StateMachine }

/// <summary>Facts the diff finds that the running program cannot take; the rules table has a row for each.</summary>
internal enum RestartNeeded
{
    TypeKindChanged, BaseTypeChanged, InterfaceAdded, InterfaceRemoved, GenericEdited, AddedToGenericType, VirtualAdded, InterfaceMemberAdded,
    ConstructorAdded, InterfaceMemberEdited, HiddenBufferReturn, FieldTypeChanged, InstanceFieldAdded, AutoPropertyAdded, DispatchedBaseEdited,
}

/// <summary>One member of the delta compared with the previous generation and bound to the live program.</summary>
internal sealed record MemberChange(MemberKey Key, string TypeName, string MemberName, ChangeKind Kind, MemberKind Category)
{
    public MethodDefinition? Method { get; init; }
    public MethodBase? Live { get; init; }
    public FieldDefinition? Field { get; init; }
    public FieldInfo? LiveField { get; init; }
    /// <summary>Why the running program cannot take this change (the rules table words it); null when it can.</summary>
    public RestartNeeded? NeedsRestart { get; init; }
    /// <summary>The name a restart message needs besides the member's own: an interface, a struct, "virtual" or "abstract".</summary>
    public string Detail { get; init; } = "";
    public bool InitializerChanged { get; init; }
    public bool KeepValue { get; init; }
    /// <summary>Set when an added member and a removed one are a method turned into a property, or back.</summary>
    public string? Reshaped { get; init; }
    /// <summary>The body is the same; only the member's own attributes changed.</summary>
    public bool AttributesOnly { get; init; }
    /// <summary>Why delegates made before the edit keep the old bodies of this closure's lambdas.</summary>
    public string? ClosureNotUpdated { get; init; }
    /// <summary>Why calls of an async method or iterator that are running now cannot continue in its new body.</summary>
    public string? RunningCallsStay { get; init; }
    public bool StaticConstructorChanged { get; init; }
    /// <summary>A generic body the app's runtime can replace itself, through a metadata update.</summary>
    public bool RuntimeCanUpdate { get; init; }
    /// <summary>Carried by the runtime's own update: an addition the runtime inserts into the live assembly (reflection
    /// then sees it), or a change of a member an earlier edit added that way.</summary>
    public bool ThroughRuntime { get; init; }
    /// <summary>The app's agent patches no native code, so a changed body goes through the runtime's update too.</summary>
    public bool NativeEngineOff { get; init; }
    /// <summary>The app's runtime takes metadata updates (it started with DOTNET_MODIFIABLE_ASSEMBLIES=debug).</summary>
    public bool RuntimeTakesUpdates { get; init; }
    /// <summary>A static field added to a type the runtime added earlier: that type's static constructor ran, and the
    /// runtime does not run the field's initializer.</summary>
    public bool InitializerNotRun { get; init; }
    /// <summary>An added instance field that constructors set: objects made before the edit hold its default.</summary>
    public bool SetByConstructors { get; init; }
    /// <summary>For a type's own change: the delta's definition.</summary>
    public TypeDefinition? Type { get; init; }
    /// <summary>For an override added to a class: the live method whose slot it takes (its base class's, of this
    /// project), the delta's copy of that method's body, and that method's key.</summary>
    public MethodInfo? Overrides { get; init; }
    public MethodDefinition? BaseCopy { get; init; }
    public MemberKey? BaseKey { get; init; }

    /// <summary>An addition the running program takes (no restart needed).</summary>
    public bool IsTakenAddition => Kind == ChangeKind.Added && NeedsRestart is null;

    /// <summary>A taken addition that later edits bind to, so its generation is its home for good. Not a lambda or
    /// local function (later edits compile their own), and not one the runtime inserts into the live assembly.</summary>
    public bool NeedsAHome => IsTakenAddition && !ThroughRuntime && !(Method is { } m && CompilerNames.IsGenerated(m));

    /// <summary>"Ns.Type.Member", or the type's name for a change to the type itself: how reports name it.</summary>
    public string DisplayName => MemberName.Length > 0 ? TypeName + "." + MemberName : TypeName;

    /// <summary>The type's own name, without namespace or outer types ("Square" for "Shapes.Square").</summary>
    public string ShortTypeName => TypeName[(TypeName.LastIndexOfAny(['.', '/']) + 1)..];

    /// <summary>The name source code uses for the member: "Label" for get_Label, the type's for a constructor.</summary>
    public string SourceName
    {
        get
        {
            string name = MemberName.Length == 0 || MemberName is ".ctor" or ".cctor" ? ShortTypeName : CompilerNames.WithoutAccessorPrefix(MemberName);
            int tick = name.IndexOf('`');
            return (tick >= 0 ? name[..tick] : name).TrimStart('<');
        }
    }
}

/// <summary>The diff of one edit: every member that changed, was added or was removed, bound to the live program.</summary>
internal sealed record ChangeSet(IReadOnlyList<MemberChange> Changes, IReadOnlyDictionary<MemberKey, string> Texts)
{
    public bool AnyNeedsRestart => Changes.Any(c => c.NeedsRestart is not null);
    public bool AddsMembers => Changes.Any(c => c.NeedsAHome);
    /// <summary>Declares a type or member the build's assembly lacks (by a home or through the runtime): later
    /// compiles must take the file along, as references to the build's assembly cannot see it.</summary>
    public bool DeclaresAdditions => Changes.Any(c => c.IsTakenAddition && !(c.Method is { } m && CompilerNames.IsGenerated(m)));
}
