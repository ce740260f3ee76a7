using Detour.Host.Binding;
using Detour.Host.Compiling;
using Detour.Host.Model;
using Detour.Host.Sources;
using Mono.Cecil;

namespace Detour.Host.Diffing;

/// <summary>The previous generation's side of a diff: the IL text of every member, and where its lambdas sit under the
/// names the running program gave them.</summary>
internal sealed record Baseline(IReadOnlyDictionary<MemberKey, string> Texts, IReadOnlyDictionary<MemberKey, LambdaSite> Lambdas);

/// <summary>Baselines of compile sets: kept from the last applied edit of the same files, or compiled from the text the
/// program now runs.</summary>
internal sealed class BaselineTexts(ProjectModel project, DeltaCompiler compiler, CompileSetBuilder sets, AppliedSources applied, AssemblyResolver resolver)
{
    /// <summary>The text given to a member of a file saved before the host saw it: it differs from any compile.</summary>
    const string UnknownText = "(the text the app was built from)";

    readonly Dictionary<string, (string SetKey, Baseline Baseline)> _byFile = new();

    /// <summary>By lambda group: the renames the last applied compile of its text needed, to give a fresh compile of that
    /// text the names the running program has.</summary>
    readonly Dictionary<MemberKey, IReadOnlyDictionary<MemberKey, string>> _lambdaNames = new();

    /// <summary>The baseline of the set's files; null with <paramref name="errors"/> filled when their text does not
    /// compile. <paramref name="compiled"/> is the baseline compile when this call made one.</summary>
    public Baseline? For(CompileSet set, List<string> errors, out CompiledDelta? compiled)
    {
        compiled = null;
        if (set.Paths.All(p => _byFile.TryGetValue(p, out var known) && known.SetKey == set.PathsKey)) return _byFile[set.Paths[0]].Baseline;
        var before = compiled = compiler.Compile(sets.Baseline(set.Paths), errors);
        if (before is null)
        {
            errors.Insert(0, "the source as it was before this edit does not compile; was the app built from it?");
            return null;
        }
        var module = DeltaModule.Read(before, resolver);
        LambdaMatcher.Rename(module, _lambdaNames.Values.SelectMany(r => r).ToDictionary(r => r.Key, r => r.Value));
        var texts = IlText.MemberTexts(module);
        // A file saved before this host saw it: its old text is unknown, but the app's own PDB says which of the running
        // members it declared. They count as changed, and as removed when the new text lacks them.
        foreach (var member in BuiltMembersOf(set.Paths.Where(applied.IsUnknown).ToList())) texts.TryAdd(member, UnknownText);
        var baseline = new Baseline(texts, LambdaMatcher.Sites(module, before.Set.Trees));
        Remember(set, baseline);
        return baseline;
    }

    /// <summary>The file's text is no longer what the kept baseline was made from.</summary>
    public void Forget(string path) => _byFile.Remove(path);

    /// <summary>An applied edit is the next edit's baseline; its lambda names are the running program's from now on.</summary>
    public void Remember(CompileSet set, Baseline baseline, LambdaMatch? match = null)
    {
        foreach (var path in set.Paths) _byFile[path] = (set.PathsKey, baseline);
        foreach (var (group, renames) in match?.Renames ?? new Dictionary<MemberKey, IReadOnlyDictionary<MemberKey, string>>()) _lambdaNames[group] = renames;
    }

    /// <summary>Members of the app's build whose code lies in <paramref name="files"/>, by the build's PDB.</summary>
    List<MemberKey> BuiltMembersOf(List<string> files)
    {
        var keys = new List<MemberKey>();
        if (files.Count == 0 || !File.Exists(Path.ChangeExtension(project.TargetPath, ".pdb"))) return keys;
        try
        {
            using var built = ModuleDefinition.ReadModule(project.TargetPath, new ReaderParameters { ReadSymbols = true, AssemblyResolver = resolver });
            var wanted = files.Select(Path.GetFullPath).ToHashSet();
            foreach (var type in ModuleTypes.All(built))
            foreach (var method in type.Methods)
                if (method.DebugInformation.SequencePoints.FirstOrDefault() is { } point && wanted.Contains(Path.GetFullPath(point.Document.Url)))
                    keys.Add(MemberKey.Of(method));
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or InvalidOperationException) { } // then nothing is known, as before
        return keys;
    }
}
