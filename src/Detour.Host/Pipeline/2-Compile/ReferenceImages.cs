using Detour.Host.Model;
using Microsoft.CodeAnalysis;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Detour.Host.Compiling;

/// <summary>Compile-time stand-ins for the live assemblies: every member public (so edited code may
/// use private members, as its original could), no method bodies, and the types being recompiled
/// removed, with references to them pointing at the delta being compiled. The compiler binds a
/// reference to its own assembly name to its source, so edited and unedited code agree on one type.</summary>
internal sealed class ReferenceImages
{
    /// <summary>One set for the whole host: images outlive the sessions (and the apps) that made them.</summary>
    public static readonly ReferenceImages Shared = new();

    readonly Dictionary<string, (DateTime Stamp, byte[] Image)> _publicized = new();
    readonly Dictionary<string, MetadataReference> _byTypeSet = new();

    /// <param name="references">The assemblies the project references: Cecil reads an attribute argument of an enum
    /// type (Razor Pages' [ResponseCache(Location = ...)], say) only when it finds the enum's assembly.</param>
    public MetadataReference For(string assemblyPath, IReadOnlyCollection<string> references, IReadOnlyCollection<string> recompiledTypes, string deltaName)
    {
        lock (this) return ForLocked(assemblyPath, references, recompiledTypes, deltaName);
    }

    MetadataReference ForLocked(string assemblyPath, IReadOnlyCollection<string> references, IReadOnlyCollection<string> recompiledTypes, string deltaName)
    {
        string key = $"{assemblyPath}|{File.GetLastWriteTimeUtc(assemblyPath):O}|{deltaName}|" + string.Join(",", recompiledTypes.Order());
        if (_byTypeSet.TryGetValue(key, out var cached)) return cached;
        using var resolver = ResolverOver(references);
        var module = ModuleDefinition.ReadModule(new MemoryStream(Publicized(assemblyPath, resolver)), new ReaderParameters { AssemblyResolver = resolver });
        if (recompiledTypes.Count > 0) RedirectToDelta(module, recompiledTypes.ToHashSet(), deltaName);
        var stream = new MemoryStream();
        module.Write(stream);
        var made = MetadataReference.CreateFromImage(stream.ToArray(), filePath: assemblyPath);
        _byTypeSet[key] = made;
        return made;
    }

    static DefaultAssemblyResolver ResolverOver(IReadOnlyCollection<string> references)
    {
        var resolver = new DefaultAssemblyResolver();
        foreach (var folder in references.Select(Path.GetDirectoryName).OfType<string>().Distinct()) resolver.AddSearchDirectory(folder);
        return resolver;
    }

    byte[] Publicized(string path, IAssemblyResolver resolver)
    {
        var stamp = File.GetLastWriteTimeUtc(path);
        if (_publicized.TryGetValue(path, out var known) && known.Stamp == stamp) return known.Image;
        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { ReadingMode = ReadingMode.Immediate, InMemory = true, AssemblyResolver = resolver });
        var hidden = MembersThatWouldClash(module);
        foreach (var type in ModuleTypes.All(module))
        {
            if (type.Name == "<Module>") continue;
            type.Attributes = (type.Attributes & ~TypeAttributes.VisibilityMask) |
                              (type.IsNested ? TypeAttributes.NestedPublic : TypeAttributes.Public);
            foreach (var f in type.Fields.Where(f => !hidden.Contains(f)))
                f.Attributes = (f.Attributes & ~FieldAttributes.FieldAccessMask) | FieldAttributes.Public;
            foreach (var m in type.Methods)
            {
                if (!hidden.Contains(m))
                    m.Attributes = (m.Attributes & ~MethodAttributes.MemberAccessMask) | MethodAttributes.Public;
                if (!m.HasBody) continue;
                m.Body = new MethodBody(m);
                var il = m.Body.GetILProcessor();
                il.Emit(OpCodes.Ldnull);
                il.Emit(OpCodes.Throw);
            }
        }
        var stream = new MemoryStream();
        module.Write(stream);
        _publicized[path] = (stamp, stream.ToArray());
        return stream.ToArray();
    }

    /// <summary>Non-public members that, made public, would share a name with a member the compiler already sees:
    /// a field-like event's backing field (CS0229 at every <c>+=</c>), or a private member hiding one of a base
    /// type declared in the same assembly. They keep their access; only their own type's code uses them, and
    /// that code compiles from source.</summary>
    static HashSet<IMemberDefinition> MembersThatWouldClash(ModuleDefinition module)
    {
        var clashing = new HashSet<IMemberDefinition>();
        foreach (var type in ModuleTypes.All(module))
        {
            var visible = new HashSet<string>(VisibleNames(type));
            // A base type of this module is its definition already; one of another assembly is not resolved (the
            // host may not find it: ASP.NET Core's come from a shared framework, and nothing here needs them).
            for (var b = type.BaseType as TypeDefinition; b is not null; b = b.BaseType as TypeDefinition)
                visible.UnionWith(VisibleNames(b));
            foreach (var f in type.Fields)
                if (!f.IsPublic && (visible.Contains(f.Name) || type.Events.Any(e => e.Name == f.Name)))
                    clashing.Add(f);
            foreach (var m in type.Methods)
                if (!m.IsPublic && !m.IsSpecialName && visible.Contains(m.Name) && !type.Methods.Any(o => o != m && o.IsPublic && o.Name == m.Name))
                    clashing.Add(m);
        }
        return clashing;
    }

    /// <summary>Names other assemblies' code can bind to, before publicizing.</summary>
    static IEnumerable<string> VisibleNames(TypeDefinition type) =>
        type.Fields.Where(f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly || f.IsAssembly).Select(f => f.Name)
            .Concat(type.Properties.Where(p => Accessors(p).Any(a => !a.IsPrivate)).Select(p => p.Name))
            .Concat(type.Events.Where(e => e.AddMethod is { IsPrivate: false }).Select(e => e.Name))
            .Concat(type.NestedTypes.Where(n => !n.IsNestedPrivate).Select(n => n.Name));

    static IEnumerable<MethodDefinition> Accessors(PropertyDefinition p) => new[] { p.GetMethod, p.SetMethod }.Where(a => a is not null)!;

    static void RedirectToDelta(ModuleDefinition module, HashSet<string> recompiled, string deltaName)
    {
        var delta = new AssemblyNameReference(deltaName, new Version(0, 0, 0, 0));
        module.AssemblyReferences.Add(delta);
        var replacements = new Dictionary<TypeDefinition, TypeReference>();
        TypeReference RefFor(TypeDefinition d)
        {
            if (replacements.TryGetValue(d, out var r)) return r;
            r = new TypeReference(d.Namespace, d.Name, module, delta, d.IsValueType);
            if (d.DeclaringType is not null) r.DeclaringType = RefFor(d.DeclaringType);
            return replacements[d] = r;
        }
        bool IsRecompiled(TypeDefinition d)
        {
            while (d.DeclaringType is not null) d = d.DeclaringType;
            return recompiled.Contains(d.FullName);
        }
        var mapper = new TypeMapper(d => IsRecompiled(d) ? RefFor(d) : null);
        var removed = module.Types.Where(IsRecompiled).ToList();
        foreach (var t in ModuleTypes.All(module).ToList())
            if (!IsRecompiled(t)) mapper.MapSignatures(t);
        foreach (var t in removed) module.Types.Remove(t);
    }
}
