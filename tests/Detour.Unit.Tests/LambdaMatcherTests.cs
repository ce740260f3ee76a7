using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Mono.Cecil;
using Mono.Cecil.Cil;
using NUnit.Framework;

using Detour.Host;

namespace Detour.Unit.Tests;

/// <summary>The syntax map for lambdas: two texts of one file are compiled, and the second compile's lambdas are renamed
/// to the first's they match. Each case names which lambda of the first text each lambda of the second now is.</summary>
public class LambdaMatcherTests
{
    const string Path = "/src/Routes.cs";

    static ModuleDefinition Compile(string source, out SyntaxTree tree)
    {
        tree = CSharpSyntaxTree.ParseText(source, path: Path, encoding: System.Text.Encoding.UTF8);
        var compilation = CSharpCompilation.Create("Routes", [tree],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location), MetadataReference.CreateFromFile(typeof(Func<>).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Debug));
        var image = new MemoryStream();
        var symbols = new MemoryStream();
        var result = compilation.Emit(image, symbols, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
        Assert.That(result.Success, Is.True, string.Join("\n", result.Diagnostics));
        image.Position = symbols.Position = 0;
        return ModuleDefinition.ReadModule(image, new ReaderParameters { ReadSymbols = true, SymbolStream = symbols, SymbolReaderProvider = new PortablePdbReaderProvider() });
    }

    /// <summary>Each lambda of the second text, by the string it returns, mapped to the name it ends with.</summary>
    static Dictionary<string, string> Match(string before, string after, out LambdaMatch match)
    {
        var first = Compile(before, out var firstTree);
        var previous = LambdaMatcher.Sites(first, [firstTree]);
        var second = Compile(after, out var secondTree);
        match = LambdaMatcher.Match(second, [secondTree], previous, _ => []);
        var byReturn = new Dictionary<string, string>();
        foreach (var t in second.Types.SelectMany(t => t.NestedTypes))
        foreach (var m in t.Methods.Where(m => m.Name.Contains(">b__")))
            byReturn[(string)m.Body.Instructions.First(i => i.OpCode == OpCodes.Ldstr).Operand] = m.Name;
        return byReturn;
    }

    static string Names(string before) =>
        string.Join(",", Compile(before, out _).Types.SelectMany(t => t.NestedTypes).SelectMany(t => t.Methods)
            .Where(m => m.Name.Contains(">b__")).Select(m => (string)m.Body.Instructions.First(i => i.OpCode == OpCodes.Ldstr).Operand + "=" + m.Name).Order());

    static string Source(string body, string before = "") =>
        "using System; using System.Collections.Generic;\npublic static class Routes {\n public static List<Func<string>> H = new();\n" + before +
        " public static void Map() {\n" + body + "\n }\n}";

    [Test]
    public void LambdaInsertedFirst_TheOthersKeepTheirNames_AndTheNewcomerGetsAFreshOne()
    {
        string before = Source("  H.Add(() => \"a\");\n  H.Add(() => \"b\");");
        Assert.That(Names(before), Is.EqualTo("a=<Map>b__1_0,b=<Map>b__1_1"));
        var names = Match(before, Source("  Func<string> first = () => \"new\";\n  H.Add(() => \"a\");\n  H.Add(() => \"b\");"), out var match);
        Assert.That(names["a"], Is.EqualTo("<Map>b__1_0"));
        Assert.That(names["b"], Is.EqualTo("<Map>b__1_1"));
        Assert.That(names["new"], Is.Not.AnyOf("<Map>b__1_0", "<Map>b__1_1"));
        Assert.That(match.Unmatched, Is.Empty);
    }

    [Test]
    public void EditedBodies_KeepTheirNames_BecauseTheirStatementsAreTheSame()
    {
        var names = Match(Source("  H.Add(() => \"a\");\n  H.Add(() => \"b\");"), Source("  Func<string> first = () => \"new\";\n  H.Add(() => \"A\");\n  H.Add(() => \"B\");"), out _);
        Assert.That((names["A"], names["B"]), Is.EqualTo(("<Map>b__1_0", "<Map>b__1_1")));
    }

    [Test]
    public void LambdaRemoved_IsReportedUnmatched_AndTheOneAfterItKeepsItsName()
    {
        var names = Match(Source("  H.Add(() => \"a\");\n  H.Add(() => \"b\");"), Source("  H.Add(() => \"b\");"), out var match);
        Assert.That(names["b"], Is.EqualTo("<Map>b__1_1"));
        Assert.That(match.Unmatched.Select(u => u.Name), Is.EqualTo(new[] { "<Map>b__1_0" }));
    }

    [Test]
    public void MethodInsertedBeforeTheLambdasMethod_ItsNewOrdinalIsMatchedToo()
    {
        var names = Match(Source("  H.Add(() => \"a\");"), Source("  H.Add(() => \"a\");", before: " public static int Other() => 1;\n"), out var match);
        Assert.That(names["a"], Is.EqualTo("<Map>b__1_0"), "compiled as <Map>b__2_0, renamed back");
        Assert.That(match.Renames.Values.SelectMany(r => r.Values), Is.EqualTo(new[] { "<Map>b__1_0" }));
    }

    [Test]
    public void EditedStatement_OneLambdaForOne_IsPairedInOrder()
    {
        var names = Match(Source("  H.Add(() => \"a\");"), Source("  H.Insert(0, () => \"a\");"), out var match);
        Assert.That(names["a"], Is.EqualTo("<Map>b__1_0"));
        Assert.That(match.Unmatched, Is.Empty);
    }

    [Test]
    public void OneLambdaBecameTwoInANewStatement_NothingIsPairedByGuess()
    {
        var names = Match(Source("  H.Add(() => \"a\");"), Source("  Func<string> x = () => \"x\";\n  Func<string> y = () => \"y\";"), out var match);
        Assert.That(match.Unmatched.Select(u => u.Name), Is.EqualTo(new[] { "<Map>b__1_0" }));
        Assert.That(names.Values, Has.None.EqualTo("<Map>b__1_0"), "no newcomer takes the removed lambda's name");
    }
}
