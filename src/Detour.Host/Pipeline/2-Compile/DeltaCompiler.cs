using Detour.Host.Model;
using Detour.Host.Sources;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace Detour.Host.Compiling;

/// <summary>One compile of a set of source files against the live program.</summary>
internal sealed record CompiledDelta(byte[] Image, byte[] Symbols, CSharpCompilation Compilation, CompileSet Set);

/// <summary>Compiles a compile set, with the project's own options, into a delta assembly: its types are compiled from
/// source, and the rest of the project is the build's assembly (<see cref="ReferenceImages"/>).</summary>
internal sealed class DeltaCompiler(CSharpProject project)
{
    public const string CompileName = "Detour.Delta";
    readonly ReferenceImages _images = ReferenceImages.Shared;
    readonly BuildStrictness _strictness = new(project.Raised, project.Generators);

    /// <summary>Returns null and fills <paramref name="errors"/> on failure.</summary>
    public CompiledDelta? Compile(CompileSet set, List<string> errors)
    {
        var references = ReferencesFor(set);
        var support = set.GlobalUsings is null ? project.SupportTrees : project.SupportTrees.Append(set.GlobalUsings);
        var compilation = project.Create(CompileName, set.Trees.Concat(support), references, project.OptionsFor(set.Trees));
        bool generated = project.Generators.AreNeededFor(set.Trees);
        if (generated) compilation = project.Generators.Run(compilation);
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        var emitOptions = new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb);
        var result = compilation.Emit(pe, pdb, options: emitOptions);
        if (!result.Success && !generated && SourceGenerators.AreNeededFor(result.Diagnostics))
        {
            compilation = project.Generators.Run(compilation);
            pe.SetLength(0);
            pdb.SetLength(0);
            result = compilation.Emit(pe, pdb, options: emitOptions);
        }
        if (!result.Success)
        {
            errors.AddRange(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(DiagnosticText.Format));
            return null;
        }
        if (_strictness.Refused(compilation, set.Trees, result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Warning)) is { Count: > 0 } refused)
        {
            errors.AddRange(refused);
            return null;
        }
        return new CompiledDelta(pe.ToArray(), pdb.ToArray(), compilation, set);
    }

    /// <summary>Whether a compile made earlier is what compiling its set now would give: its references (other projects
    /// as edits have made them, this one without the recompiled types) are still the current ones.</summary>
    public bool IsCurrent(CompiledDelta delta) => delta.Compilation.References.SequenceEqual(ReferencesFor(delta.Set));

    List<MetadataReference> ReferencesFor(CompileSet set)
    {
        var recompiled = set.Trees.SelectMany(SyntaxNames.DeclaredTypes).ToHashSet();
        return project.CurrentReferences.Append(_images.For(project.Model.TargetPath, project.Model.References, recompiled, CompileName)).ToList();
    }

    /// <summary>Metadata of the whole project as its sources now read, under its real name: what other projects
    /// compile against once edits have added members to it. Null if it does not compile.</summary>
    public MetadataReference? Surface(IEnumerable<SyntaxTree> allSources)
    {
        var compilation = project.Create(project.Model.AssemblyName, allSources.Concat(project.SupportTrees), project.BuiltReferences);
        using var image = new MemoryStream();
        return compilation.Emit(image, options: new EmitOptions(metadataOnly: true)).Success
            ? MetadataReference.CreateFromImage(image.ToArray())
            : null;
    }

    /// <summary>The compile errors that files not being applied would have with the edit: the whole project as its
    /// sources now read, checked (not emitted) in <paramref name="checkedPaths"/> only.</summary>
    public List<string> ErrorsIn(IReadOnlyCollection<SyntaxTree> allSources, IReadOnlySet<string> checkedPaths)
    {
        var compilation = project.ProjectCompilation(allSources);
        return allSources.Where(t => checkedPaths.Contains(t.FilePath))
            .SelectMany(t => compilation.GetSemanticModel(t).GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error).Select(DiagnosticText.Format).ToList();
    }
}
