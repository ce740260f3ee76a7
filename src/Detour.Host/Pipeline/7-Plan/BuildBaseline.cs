using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Detour.Host.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace Detour.Host.Planning;

/// <summary>The start of the runtime's update chain: the build's compilation, and Roslyn's baseline of the image and
/// portable PDB the app loaded (its Edit and Continue information: local slots, lambdas and closures).</summary>
internal static class BuildBaseline
{
    // Portable PDB kinds of the build's Edit and Continue information.
    static readonly Guid EncLocalSlotMap = new("755F52A8-91C5-45BE-B4B8-209571E552BD");
    static readonly Guid EncLambdaAndClosureMap = new("A643004C-0240-496F-A783-30D64F4979DE");

    /// <summary>Null, with <paramref name="error"/> set, when the build's image or PDB cannot serve.</summary>
    public static (CSharpCompilation Compilation, EmitBaseline Baseline)? Create(CSharpProject project, IReadOnlyDictionary<string, string> builtTexts,
        out string? error)
    {
        error = null;
        string pdbPath = Path.ChangeExtension(project.Model.TargetPath, ".pdb");
        if (!File.Exists(project.Model.TargetPath) || !File.Exists(pdbPath))
        {
            error = $"the build's {Path.GetFileName(pdbPath)} is missing; the runtime's update needs its portable PDB";
            return null;
        }
        var image = File.ReadAllBytes(project.Model.TargetPath);
        var pdbImage = File.ReadAllBytes(pdbPath).ToImmutableArray();
        MetadataReader pdb;
        try { pdb = MetadataReaderProvider.FromPortablePdbImage(pdbImage).GetMetadataReader(); }
        catch (BadImageFormatException)
        {
            error = $"{Path.GetFileName(pdbPath)} is not a portable PDB; the runtime's update needs one";
            return null;
        }
        var module = ModuleMetadata.CreateFromImage(image);
        var peReader = new PEReader(image.ToImmutableArray());
        var reader = module.GetMetadataReader();
        var built = project.BuildCompilation(builtTexts.Select(f => project.Parse(f.Key, f.Value)));
        var baseline = EmitBaseline.CreateInitialBaseline(built, module,
            method => EncInformation(pdb, method),
            method => reader.GetMethodDefinition(method) is { RelativeVirtualAddress: > 0 } definition
                ? peReader.GetMethodBody(definition.RelativeVirtualAddress).LocalSignature
                : default,
            hasPortableDebugInformation: true);
        return (built, baseline);
    }

    static EditAndContinueMethodDebugInformation EncInformation(MetadataReader pdb, MethodDefinitionHandle method)
    {
        ImmutableArray<byte> Blob(Guid kind)
        {
            foreach (var handle in pdb.GetCustomDebugInformation(method))
            {
                var information = pdb.GetCustomDebugInformation(handle);
                if (pdb.GetGuid(information.Kind) == kind) return pdb.GetBlobContent(information.Value);
            }
            return ImmutableArray<byte>.Empty;
        }
        return EditAndContinueMethodDebugInformation.Create(Blob(EncLocalSlotMap), Blob(EncLambdaAndClosureMap));
    }
}
