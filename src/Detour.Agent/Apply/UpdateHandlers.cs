using System.Reflection;
using System.Runtime.Loader;

namespace Detour.Agent.Apply;

/// <summary>The app's <c>[assembly: MetadataUpdateHandler(typeof(H))]</c> handlers, called as .NET Hot Reload calls them
/// after an update: every handler's <c>ClearCache(Type[]?)</c>, then every <c>UpdateApplication(Type[]?)</c>, with
/// the assemblies a handler's assembly depends on first. A handler that throws is reported; the edit stays.</summary>
/// <param name="lateFailure">Where a failure is said that surfaces after the call returned (below).</param>
internal sealed class UpdateHandlers(Action<string>? lateFailure = null)
{
    readonly Dictionary<Assembly, Type[]> _declared = new();

    /// <summary>Reads the loaded assemblies' handler attributes ahead of the first edit (a warm-up; calls nothing).</summary>
    public void Discover() => _ = Calls();

    // The steps in call order, each with its methods in dependency order; made again only when assemblies have loaded
    // (the default context never unloads one, so its count tells).
    (int Loaded, List<MethodInfo>[] Steps)? _calls;
    static readonly string[] StepNames = ["ClearCache", "UpdateApplication"];

    /// <param name="typesChanged">The runtime added members to live types: CoreLib's handler, which drops the reflection
    /// caches of the types, is called too (first).</param>
    public List<string> Notify(Type[]? updatedTypes, bool typesChanged)
    {
        var failures = new List<string>();
        var previous = SynchronizationContext.Current;
        foreach (var step in Calls())
            foreach (var method in step)
            {
                if (!typesChanged && method.DeclaringType?.Assembly == typeof(object).Assembly) continue;
                string name = $"{method.DeclaringType?.FullName}.{method.Name}";
                SynchronizationContext.SetSynchronizationContext(new CatchingContext(name, lateFailure));
                try { method.Invoke(null, [updatedTypes]); }
                catch (Exception e)
                {
                    var cause = Channel.Failures.Unwrap(e);
                    failures.Add($"update handler {name} threw {cause.GetType().Name}: {cause.Message}");
                }
                finally { SynchronizationContext.SetSynchronizationContext(previous); }
            }
        return failures;
    }

    /// <summary>The context a handler is called under. An async void method a handler starts (Blazor's renderer
    /// re-renders its root components that way) posts its continuations, and its exception, to the context it began on;
    /// on the thread pool that exception would end the app. Here it is caught and said. Seen: "The renderer does not
    /// have a component with ID 0", from a request's renderer disposed while the update reached it
    /// (native-notes/update-handlers.md).</summary>
    sealed class CatchingContext(string handler, Action<string>? say) : SynchronizationContext
    {
        public override void Post(SendOrPostCallback callback, object? state) =>
            ThreadPool.UnsafeQueueUserWorkItem(_ => Run(callback, state), null);

        public override void Send(SendOrPostCallback callback, object? state) => Run(callback, state);

        public override SynchronizationContext CreateCopy() => this;

        void Run(SendOrPostCallback callback, object? state)
        {
            var before = Current;
            SetSynchronizationContext(this);
            try { callback(state); }
            catch (Exception e)
            {
                try { say?.Invoke($"warning: update handler {handler} failed after the edit applied ({e.GetType().Name}: {e.Message}); the app runs on"); }
                catch (Exception) { }
            }
            finally { SetSynchronizationContext(before); }
        }
    }

    List<MethodInfo>[] Calls()
    {
        // Loops, not LINQ: System.Linq is an assembly more in the app (native-notes/agent-footprint.md).
        var loaded = new List<Assembly>(AssemblyLoadContext.Default.Assemblies);
        if (_calls is { } known && known.Loaded == loaded.Count) return known.Steps;
        var handlers = new List<Type>();
        foreach (var assembly in InDependencyOrder(loaded))
            foreach (var handler in DeclaredIn(assembly))
                if (!handlers.Contains(handler)) handlers.Add(handler);
        var steps = new List<MethodInfo>[StepNames.Length];
        for (int i = 0; i < steps.Length; i++)
        {
            steps[i] = new List<MethodInfo>();
            foreach (var h in handlers)
                if (h.GetMethod(StepNames[i], BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(Type[])]) is { } step)
                    steps[i].Add(step);
        }
        _calls = (loaded.Count, steps);
        return steps;
    }

    Type[] DeclaredIn(Assembly assembly)
    {
        if (_declared.TryGetValue(assembly, out var known)) return known;
        try
        {
            var found = new List<Type>();
            foreach (var attribute in assembly.GetCustomAttributesData())
                if (attribute.AttributeType.FullName == "System.Reflection.Metadata.MetadataUpdateHandlerAttribute" &&
                    attribute.ConstructorArguments is [{ Value: Type handler }])
                    found.Add(handler);
            known = found.ToArray();
        }
        catch (Exception) { known = []; } // an attribute that cannot load is no handler
        return _declared[assembly] = known;
    }

    /// <summary>Each assembly after the loaded assemblies it references (CoreLib first).</summary>
    static List<Assembly> InDependencyOrder(List<Assembly> loaded)
    {
        var byName = new Dictionary<string, Assembly>();
        foreach (var a in loaded) if (a.GetName().Name is { } n) byName.TryAdd(n, a);
        var ordered = new List<Assembly>();
        var seen = new HashSet<Assembly>();
        void Visit(Assembly a)
        {
            if (!seen.Add(a)) return;
            foreach (var reference in a.GetReferencedAssemblies())
                if (reference.Name is { } n && byName.TryGetValue(n, out var dependency)) Visit(dependency);
            ordered.Add(a);
        }
        foreach (var a in loaded) Visit(a);
        return ordered;
    }
}
