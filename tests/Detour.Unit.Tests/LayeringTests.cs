using Mono.Cecil;
using Mono.Cecil.Cil;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>The compile host's layers, read from its compiled assembly: every reference from a type of one layer to a
/// type of the host points at its own layer or an earlier one, and each folder holds the namespace of its layer.</summary>
public class LayeringTests
{
    /// <summary>The host's layers in order: the model, the pipeline's stages as numbered in Pipeline/, then the layers
    /// that drive them. The shared source (namespace Detour) serves every layer.</summary>
    static readonly string[] Layers =
    [
        "Detour.Host.Model",
        "Detour.Host.Sources", "Detour.Host.Compiling", "Detour.Host.Binding", "Detour.Host.Diffing",
        "Detour.Host.Rules", "Detour.Host.Relinking", "Detour.Host.Planning",
        "Detour.Host.Sessions", "Detour.Host.Commands", "Detour.Host.Watching", "Detour.Host.Serving",
    ];

    static int LayerOf(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return Array.IndexOf(Layers, type.Namespace);
    }

    static ModuleDefinition HostModule() => ModuleDefinition.ReadModule(typeof(Detour.Host.Sessions.ReloadSession).Assembly.Location);

    [Test]
    public void EveryTypeOfTheHost_BelongsToALayer()
    {
        using var module = HostModule();
        var strays = module.GetTypes()
            .Where(t => t.DeclaringType is null && t.Name != "<Module>" && !CompilerSupport(t) && t.Namespace != "Detour" && LayerOf(t) < 0)
            .Select(t => t.FullName).ToList();
        Assert.That(strays, Is.Empty);
    }

    [Test]
    public void NoLayer_RefersToALaterOne()
    {
        using var module = HostModule();
        var wrongWay = new SortedSet<string>();
        foreach (var type in module.GetTypes().Where(t => LayerOf(t) >= 0))
        {
            int from = LayerOf(type);
            foreach (var used in References(type))
                if (used.Scope == module && LayerOf(used) is var to && to > from)
                    wrongWay.Add($"{type.FullName} ({Layers[from]}) -> {used.FullName} ({Layers[to]})");
        }
        Assert.That(wrongWay, Is.Empty, string.Join("\n", wrongWay));
    }

    [Test]
    public void EachFolder_HoldsItsLayersNamespace()
    {
        string host = Path.Combine(RulesTableTests.RepositoryRoot(), "src", "Detour.Host");
        var folders = new Dictionary<string, string>
        {
            ["Model"] = "Detour.Host.Model",
            ["Pipeline/1-Sources"] = "Detour.Host.Sources", ["Pipeline/2-Compile"] = "Detour.Host.Compiling",
            ["Pipeline/3-Bind"] = "Detour.Host.Binding", ["Pipeline/4-Diff"] = "Detour.Host.Diffing",
            ["Pipeline/5-Rules"] = "Detour.Host.Rules", ["Pipeline/6-Relink"] = "Detour.Host.Relinking",
            ["Pipeline/7-Plan"] = "Detour.Host.Planning",
            ["Sessions"] = "Detour.Host.Sessions", ["Commands"] = "Detour.Host.Commands",
            ["Watching"] = "Detour.Host.Watching", ["Serving"] = "Detour.Host.Serving",
        };
        var stageFolders = Directory.GetDirectories(Path.Combine(host, "Pipeline")).Select(Path.GetFileName).Order().ToList();
        Assert.That(stageFolders.Select(f => "Pipeline/" + f), Is.EqualTo(folders.Keys.Where(k => k.StartsWith("Pipeline/")).Order()),
            "the stages are numbered in the order of the layers");
        foreach (var (folder, ns) in folders)
        foreach (var file in Directory.GetFiles(Path.Combine(host, folder), "*.cs"))
            Assert.That(File.ReadAllText(file), Does.Contain($"namespace {ns};"), Path.GetRelativePath(host, file));
    }

    static bool CompilerSupport(TypeDefinition t) =>
        t.Namespace.StartsWith("System.Runtime.CompilerServices") || t.Namespace.StartsWith("Microsoft.CodeAnalysis") || t.Name.StartsWith('<');

    /// <summary>Every type a type names: in its declaration, its members' signatures, its attributes and its IL.</summary>
    static IEnumerable<TypeReference> References(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null: return;
                case GenericInstanceType g: Add(g.ElementType); foreach (var a in g.GenericArguments) Add(a); return;
                case TypeSpecification s: Add(s.ElementType); return;
                case GenericParameter: return;
                default: found.Add(t); return;
            }
        }
        void AddMember(MemberReference m)
        {
            Add(m.DeclaringType);
            if (m is MethodReference method)
            {
                Add(method.ReturnType);
                foreach (var p in method.Parameters) Add(p.ParameterType);
                if (method is GenericInstanceMethod gim) foreach (var a in gim.GenericArguments) Add(a);
            }
            else if (m is FieldReference field) Add(field.FieldType);
        }
        void AddAttributes(ICustomAttributeProvider provider)
        {
            foreach (var a in provider.CustomAttributes) Add(a.AttributeType);
        }
        Add(type.BaseType);
        foreach (var i in type.Interfaces) Add(i.InterfaceType);
        AddAttributes(type);
        foreach (var f in type.Fields) { Add(f.FieldType); AddAttributes(f); }
        foreach (var p in type.Properties) Add(p.PropertyType);
        foreach (var m in type.Methods)
        {
            AddMember(m);
            AddAttributes(m);
            if (!m.HasBody) continue;
            foreach (var v in m.Body.Variables) Add(v.VariableType);
            foreach (var ins in m.Body.Instructions)
                switch (ins.Operand)
                {
                    case TypeReference t: Add(t); break;
                    case MemberReference member: AddMember(member); break;
                }
        }
        return found;
    }
}
