using Detour.Host.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NUnit.Framework;

namespace Detour.Host.Tests;

/// <summary>How the runtime's update is told which lambda of the new code continues which of the old: a wrong pair would
/// give a delegate made before the edit another lambda's body.</summary>
public class LambdaSyntaxMapTests
{
    static SyntaxNode Method(string body) =>
        CSharpSyntaxTree.ParseText($"class C {{ void M() {{ {body} }} }}").GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single();

    static List<SyntaxNode> Lambdas(SyntaxNode method) =>
        method.DescendantNodes().Where(n => n is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax).ToList();

    [Test]
    public void ALambdaAddedBeforeALikeOne_IsNew_AndTheOldOneKeepsItsPartner()
    {
        // Two handlers of the same shape, told apart by their routes (the MapGet case of a top-level web app).
        var before = Method("Map(\"/a\", () => \"a\"); Map(\"/b\", () => \"b\");");
        var after = Method("Map(\"/new\", () => \"new\"); Map(\"/a\", () => \"a2\"); Map(\"/b\", () => \"b\");");
        var map = LambdaSyntaxMap.Between(before, after);
        var (old, now) = (Lambdas(before), Lambdas(after));
        Assert.That(map.Map(now[0]), Is.Null, "the added handler is new");
        Assert.That(map.Map(now[1]), Is.SameAs(old[0]), "/a, its body edited");
        Assert.That(map.Map(now[2]), Is.SameAs(old[1]), "/b");
        Assert.That(map.Lost(), Is.Null);
    }

    [Test]
    public void ALambdaRemoved_IsLost_NamingItsLine()
    {
        var map = LambdaSyntaxMap.Between(Method("Run(() => 1);\nRun(() => 2);"), Method("Run(() => 1);"));
        Assert.That(map.Lost(), Does.StartWith("its lambda (line 2 before the edit) was removed"));
    }

    [Test]
    public void ALocalFunction_IsKnownByItsName_WhateverChangesAroundIt()
    {
        var before = Method("int x = 1; int F() => x; Use(F());");
        var after = Method("int x = 2; Log(); int F() => x + 1; Use(F()); Use(F());");
        var map = LambdaSyntaxMap.Between(before, after);
        Assert.That(map.Map(Lambdas(after).Single()), Is.SameAs(Lambdas(before).Single()));
    }

    [Test]
    public void NodesInsideAPairedLambda_MapToTheSamePlaceInItsPartner()
    {
        var before = Method("Run(async () => { await A(); await B(); });");
        var after = Method("Run(async () => { Log(); await A(); await B(); });");
        var map = LambdaSyntaxMap.Between(before, after);
        var awaitsBefore = before.DescendantNodes().OfType<AwaitExpressionSyntax>().ToList();
        var awaitsAfter = after.DescendantNodes().OfType<AwaitExpressionSyntax>().ToList();
        Assert.That(awaitsAfter.Select(map.Map), Is.EqualTo(awaitsBefore), "each await resumes where it was");
        Assert.That(map.Lost(), Is.Null);
    }

    [Test]
    public void AnEditOfTheStatementAroundALambda_KeepsItsPartner()
    {
        var before = Method("var a = Enumerable.Range(1, 5).Select(i => i * 2).ToArray(); Map(\"/x\", () => a);");
        var after = Method("var a = Enumerable.Range(1, 3).Select(i => i * 2).ToArray(); Map(\"/x\", () => a);");
        var map = LambdaSyntaxMap.Between(before, after);
        Assert.That(Lambdas(after).Select(map.Map), Is.EqualTo(Lambdas(before)));
        Assert.That(map.Lost(), Is.Null);
    }
}
