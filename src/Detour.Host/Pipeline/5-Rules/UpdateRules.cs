using System.Reflection;
using Detour.Host.Diffing;
using Detour.Host.Model;

namespace Detour.Host.Rules;

/// <summary>What the rules decided for an edit's members, row by row.</summary>
internal sealed class RuleDecisions
{
    public readonly List<MemberChange> Detour = new();
    public readonly List<MemberChange> Reinitialize = new();
    /// <summary>Bodies the app's runtime replaces through a metadata update: generic code, and members it added.</summary>
    public readonly List<MemberChange> RuntimeUpdate = new();
    /// <summary>Types and members the app's runtime adds to the live assembly, through a metadata update.</summary>
    public readonly List<MemberChange> RuntimeInsert = new();
    /// <summary>Overrides added to classes: the method each overrides becomes a dispatcher on the object's type.</summary>
    public readonly List<MemberChange> Dispatch = new();
    public readonly List<MemberReport> Report = new();
    /// <summary>Changes that need a restart, each with the message that says so.</summary>
    public readonly List<(MemberChange Change, string Reason)> Rude = new();

    /// <summary>Takes the members of skipped modules out of the plan; returns the report with them said to be skipped.</summary>
    public List<MemberReport> WithoutSkipped(Func<string, bool> isSkipped)
    {
        var skipped = Detour.Where(c => isSkipped(c.TypeName)).ToList();
        foreach (var s in skipped) Detour.Remove(s);
        Reinitialize.RemoveAll(c => isSkipped(c.TypeName));
        var members = Report.Where(r => !skipped.Any(s => r.Member == s.DisplayName)).ToList();
        members.AddRange(skipped.Select(s => new MemberReport(s.DisplayName, s.Category, MemberStatus.Skipped, "module skipped")));
        return members;
    }
}

/// <summary>One row of the update rules table: when it applies, and what it does.</summary>
internal sealed record UpdateRule(string Name, Func<MemberChange, bool> When, Action<MemberChange, RuleDecisions> Then);

/// <summary>The update rules, in the spirit of IPython autoreload's UPDATE_RULES: the first row
/// whose predicate holds decides. Adding a behaviour means adding a row.</summary>
internal static class UpdateRules
{
    /// <summary>A type the Razor generator wrote for a .cshtml file: [RazorCompiledItemMetadata("Identifier", "/Pages/X.cshtml")].</summary>
    static bool IsRazorView(MemberChange c) =>
        c.Type?.CustomAttributes.Any(a => a.AttributeType.FullName == "Microsoft.AspNetCore.Razor.Hosting.RazorCompiledItemMetadataAttribute" &&
                                          a.ConstructorArguments is [{ Value: "Identifier" }, { Value: string file }] &&
                                          file.EndsWith(".cshtml", StringComparison.OrdinalIgnoreCase)) == true;

    /// <summary>"Ns.Worker.ExecuteAsync, running calls" for a member of its state machine.</summary>
    static string RunningCalls(MemberChange c) =>
        CompilerNames.OwningType(c.TypeName) + "." + CompilerNames.OwningMethod(c.TypeName[(c.TypeName.LastIndexOf('/') + 1)..]) + ", running calls";

    static MemberReport Line(MemberChange c, MemberStatus status, string reason) => new(c.DisplayName, c.Category, status, reason);

    /// <summary>A method of the build whose body changed (a generic one too), not one the runtime added.</summary>
    static bool IsChangedBody(MemberChange c) =>
        c.Kind == ChangeKind.Changed && c.Method is not null && !c.ThroughRuntime && !c.AttributesOnly
        && (c.Live is not null || c.NeedsRestart == RestartNeeded.GenericEdited);

    static bool IsRunningEntryPoint(MemberChange c) => c.Live is MethodInfo m && m == m.Module.Assembly.EntryPoint;

    static MemberReport EntryPointLine(MemberChange c) => new(c.DisplayName, MemberKind.EntryPoint, MemberStatus.Patched,
        "the entry point is already running: its new body runs only when it is called again (restart to see it)") { RestartToSee = true };

    /// <summary>A row for one thing the running program cannot take: the whole edit is refused with the message.</summary>
    static UpdateRule NeedsRestart(RestartNeeded fact, Func<MemberChange, string> message) =>
        new($"rude edit: {fact}", c => c.NeedsRestart == fact, (c, plan) => plan.Rude.Add((c, message(c))));

    public static readonly IReadOnlyList<UpdateRule> Table =
    [
        NeedsRestart(RestartNeeded.TypeKindChanged, c => $"changing {c.ShortTypeName} from {c.Detail} needs a restart: the running program made its type that way"),
        NeedsRestart(RestartNeeded.BaseTypeChanged, c => $"changing the base type of {c.ShortTypeName} needs a restart"),
        NeedsRestart(RestartNeeded.InterfaceAdded, c => $"adding the interface {c.Detail} to {c.ShortTypeName} needs a restart"),
        NeedsRestart(RestartNeeded.InterfaceRemoved, c => $"removing the interface {c.Detail} from {c.ShortTypeName} needs a restart"),
        new("changed body, the native engine off: the runtime takes no updates", c => c.NativeEngineOff && IsChangedBody(c) && !c.RuntimeTakesUpdates,
            (c, plan) => plan.Rude.Add((c, $"{c.ShortTypeName}.{c.MemberName} changed, but this app patches no native code (its native engine is off) " +
                                           "and its runtime takes no metadata updates; start it with DOTNET_MODIFIABLE_ASSEMBLIES=debug, as `dotnet detour run` does"))),
        // Lambdas, local functions and state machines too: the update's syntax map (LambdaSyntaxMap) updates them in
        // place, and an edit it cannot carry over is refused when the update is made.
        // Its lambdas and local functions, updated with it, do take effect.
        new("changed body of the running entry point, the native engine off: through the runtime's metadata update",
            c => c.NativeEngineOff && IsChangedBody(c) && IsRunningEntryPoint(c),
            (c, plan) => { plan.RuntimeUpdate.Add(c); plan.Report.Add(EntryPointLine(c)); }),
        new("changed body, the native engine off: through the runtime's metadata update", c => c.NativeEngineOff && IsChangedBody(c),
            (c, plan) =>
            {
                plan.RuntimeUpdate.Add(c);
                plan.Report.Add(Line(c, MemberStatus.Patched, "body changed, through the runtime's own update (the native engine is off)"));
            }),
        new("edited generic code, through the runtime's metadata update", c => c.NeedsRestart == RestartNeeded.GenericEdited && c.RuntimeCanUpdate,
            (c, plan) =>
            {
                plan.RuntimeUpdate.Add(c);
                plan.Report.Add(c.Category is MemberKind.Lambda or MemberKind.LocalFunction
                    ? Line(c, MemberStatus.Patched, "generic lambda: the runtime's update gives it the new body in place, so delegates made before the edit run it too")
                    : Line(c, MemberStatus.Patched, "generic: every instantiation runs the new body, through the runtime's own metadata update"));
            }),
        NeedsRestart(RestartNeeded.GenericEdited, c => $"editing the generic {c.Detail} {c.ShortTypeName}.{c.MemberName} needs a restart: this app's runtime " +
                                                       "does not take metadata updates (`dotnet detour run` turns them on for apps with generic code; or set DOTNET_MODIFIABLE_ASSEMBLIES=debug)"),
        NeedsRestart(RestartNeeded.AddedToGenericType, c => $"adding {c.MemberName} to the generic type {c.ShortTypeName} needs a restart (of generic code, only the bodies of members the build had are updated)"),
        new("added override, the native engine off", c => c.Kind == ChangeKind.Added && c.Overrides is not null && c.NativeEngineOff,
            (c, plan) => plan.Rude.Add((c, $"adding the override {c.ShortTypeName}.{c.MemberName} needs a restart where the native engine is off"))),
        new("added override of a method of this project: that method dispatches on the object's type", c => c.Kind == ChangeKind.Added && c.Overrides is not null,
            (c, plan) =>
            {
                plan.Dispatch.Add(c);
                plan.Report.Add(Line(c, MemberStatus.Added, $"added override: {c.Detail}.{c.MemberName} now dispatches on the object's type, so " +
                                                            $"{c.ShortTypeName} objects made before the edit run it, and so do subclasses that do not override it"));
            }),
        NeedsRestart(RestartNeeded.DispatchedBaseEdited, c => $"editing {c.ShortTypeName}.{c.MemberName} needs a restart: it dispatches to an override an " +
                                                             "earlier edit added to a subclass"),
        NeedsRestart(RestartNeeded.VirtualAdded, c => $"adding the {c.Detail} method {c.ShortTypeName}.{c.MemberName} needs a restart"),
        NeedsRestart(RestartNeeded.InterfaceMemberAdded, c => $"adding the interface member {c.ShortTypeName}.{c.MemberName} needs a restart"),
        NeedsRestart(RestartNeeded.ConstructorAdded, c => $"adding a constructor to {c.ShortTypeName} needs a restart"),
        NeedsRestart(RestartNeeded.InterfaceMemberEdited, c => $"editing the interface member {c.ShortTypeName}.{c.MemberName} needs a restart"),
        NeedsRestart(RestartNeeded.HiddenBufferReturn, c => $"{c.ShortTypeName}.{c.MemberName} returns the struct {c.Detail} through a hidden buffer; patching it needs a restart"),
        NeedsRestart(RestartNeeded.FieldTypeChanged, c => $"changing the type of the field {c.ShortTypeName}.{c.MemberName} needs a restart"),
        NeedsRestart(RestartNeeded.InstanceFieldAdded, c => $"adding the instance field {c.ShortTypeName}.{c.MemberName} to a struct changes its size, which values already made (and copied) cannot follow; it needs a restart"),
        NeedsRestart(RestartNeeded.AutoPropertyAdded, c => $"adding the auto-property {c.ShortTypeName}.{c.Detail} to a struct adds a field, which changes its size; it needs a restart"),
        new("new Razor page or view, through the runtime's metadata update", c => c.Kind == ChangeKind.Added && c.ThroughRuntime && IsRazorView(c),
            (c, plan) =>
            {
                plan.RuntimeInsert.Add(c);
                plan.Report.Add(Line(c, MemberStatus.Added, "new view: ASP.NET Core lists pages and views by assembly attributes, which the runtime's " +
                                                           "update cannot add; restart to serve it (edits of views the build had apply live)") with { RestartToSee = true });
            }),
        new("added, through the runtime's metadata update", c => c.Kind == ChangeKind.Added && c.ThroughRuntime,
            (c, plan) =>
            {
                plan.RuntimeInsert.Add(c);
                if (c.Field is { IsStatic: true } && c.InitializerChanged) plan.Reinitialize.Add(c);
                plan.Report.Add(c.InitializerNotRun
                    ? Line(c, MemberStatus.Added, "added by the runtime's own update; its initializer does not run, since the type's static constructor ran (restart to see its value)") with { RestartToSee = true }
                    : c.SetByConstructors
                    ? Line(c, MemberStatus.Added, "added to the running type by the runtime's own update: objects made from now on get the value their " +
                                                  "constructor gives it, objects made before the edit (a live component, a singleton) hold its default (restart to give them the value)") with { RestartToSee = true }
                    : Line(c, MemberStatus.Added, c.Category == MemberKind.Type
                        ? "new type, added to the app's own assembly by the runtime's update: scans of the assembly find it"
                        : "added to the running type by the runtime's own update: reflection, routing and serializers see it"));
            }),
        new("changed method that the runtime added", c => c.Kind == ChangeKind.Changed && c.ThroughRuntime && c.Method is not null,
            (c, plan) => { plan.RuntimeUpdate.Add(c); plan.Report.Add(Line(c, MemberStatus.Patched, "body changed, through the runtime's own update (it was added that way)")); }),
        new("attributes changed, body unchanged", c => c.AttributesOnly,
            (c, plan) => plan.Report.Add(Line(c, MemberStatus.Skipped, "only its attributes changed; the running program keeps the attributes it loaded (restart to apply them)") with { RestartToSee = true })),
        new("changed body of the running entry point", c => c.Kind == ChangeKind.Changed && IsRunningEntryPoint(c),
            (c, plan) => { plan.Detour.Add(c); plan.Report.Add(EntryPointLine(c)); }),
        new("async method or iterator with the same state machine", c => c.Kind == ChangeKind.Changed && c.Category == MemberKind.StateMachine && c.Live is not null,
            (c, plan) =>
            {
                plan.Detour.Add(c);
                if (c.MemberName == "MoveNext")
                    plan.Report.Add(new MemberReport(RunningCalls(c), MemberKind.StateMachine, MemberStatus.Patched,
                        "calls running now (a worker's loop, say) continue in the new body at their next await or yield"));
            }),
        new("async method or iterator whose running calls cannot follow", c => c.RunningCallsStay is not null,
            (c, plan) => plan.Report.Add(new MemberReport(c.TypeName + "." + c.MemberName + ", running calls", MemberKind.StateMachine, MemberStatus.Skipped,
                c.RunningCallsStay!) { RestartToSee = true })),
        new("changed body", c => c.Kind == ChangeKind.Changed && c.Method is not null && c.Live is not null && c.Category is not (MemberKind.Lambda or MemberKind.LocalFunction),
            (c, plan) => { plan.Detour.Add(c); plan.Report.Add(Line(c, MemberStatus.Patched, "body changed")); }),
        new("lambda or local function with the same closure shape", c => c.Kind == ChangeKind.Changed && c.Method is not null && c.Live is not null && c.ClosureNotUpdated is null,
            (c, plan) => { plan.Detour.Add(c); plan.Report.Add(Line(c, MemberStatus.Patched, "delegates made before the edit run the new body")); }),
        new("closure whose old delegates cannot follow", c => c.ClosureNotUpdated is not null,
            (c, plan) => plan.Report.Add(Line(c, MemberStatus.Skipped, c.ClosureNotUpdated!) with { RestartToSee = true })),
        new("added lambda or closure", c => c.Kind == ChangeKind.Added && c.Method is not null && c.Category is MemberKind.Lambda or MemberKind.LocalFunction,
            (c, plan) => { }),
        new("changed static constructor body", c => c.StaticConstructorChanged,
            (c, plan) => plan.Report.Add(Line(c, MemberStatus.Skipped, "static constructor body changed: it is not re-run (it ran once, when the type was first used); restart to run it again") with { RestartToSee = true })),
        new("changed static initializer, opted out", c => c.InitializerChanged && c.KeepValue,
            (c, plan) => plan.Report.Add(Line(c, MemberStatus.Skipped, "initializer changed; [KeepValueOnReload] keeps the current value"))),
        new("changed static initializer", c => c.InitializerChanged,
            (c, plan) => { plan.Reinitialize.Add(c); plan.Report.Add(Line(c, MemberStatus.Patched, "initializer changed; value re-initialized")); }),
        new("added instance field of a class", c => c.Kind == ChangeKind.Added && c.Field is { IsStatic: false },
            (c, plan) => plan.Report.Add(Line(c, MemberStatus.Added, "objects made before the edit read its default value, new ones run its " +
                                                                     "initializer; it lives beside each object, so reflection and serializers do not see it") with
                { HiddenFromReflection = c.Field!.IsPublic || c.Detail.Length > 0 })),
        new("added static field", c => c.Kind == ChangeKind.Added && c.Field is not null,
            (c, plan) => plan.Report.Add(Line(c, MemberStatus.Added, "new static field, initialized"))),
        new("method turned into a property, or back", c => c.Reshaped is not null,
            (c, plan) => plan.Report.Add(c.Kind == ChangeKind.Added
                ? Line(c, MemberStatus.Added, $"{c.Reshaped}: added; recompiled callers use it")
                : Line(c, MemberStatus.Removed, $"{c.Reshaped}: removed; callers not recompiled keep the old body"))),
        new("added public member of a public type", c => c.Kind == ChangeKind.Added && c.Method is { IsPublic: true, DeclaringType.IsPublic: true } && !CompilerNames.IsGenerated(c.Method),
            (c, plan) => plan.Report.Add(Line(c, MemberStatus.Added, "callable from new code; reflection on the running type does not list it " +
                                                                     "(routing, serializers, DI scans): restart to publish it") with { HiddenFromReflection = true })),
        new("added method", c => c.Kind == ChangeKind.Added && c.Method is not null,
            (c, plan) => plan.Report.Add(Line(c, MemberStatus.Added, "callable from new code"))),
        new("added type", c => c.Kind == ChangeKind.Added && c.Category == MemberKind.Type,
            (c, plan) => plan.Report.Add(Line(c, MemberStatus.Added, "new type; it lives in the edit's own assembly, so scans of the app's assembly " +
                                                                     "(controllers, DI registration by convention) do not find it") with { HiddenFromReflection = true })),
        new("removed member", c => c.Kind == ChangeKind.Removed,
            (c, plan) => plan.Report.Add(Line(c, MemberStatus.Removed, "callers not recompiled keep the old body"))),
    ];

    public static RuleDecisions Decide(IEnumerable<MemberChange> changes)
    {
        var plan = new RuleDecisions();
        foreach (var change in changes)
            Table.FirstOrDefault(rule => rule.When(change))?.Then(change, plan);
        return plan;
    }
}
