using System.Reflection;
using Detour.Host.Model;
using Mono.Cecil;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>The update rules table, row by row, on member changes made up for the purpose (the reload tests run
/// the same rows on real edits of real code).</summary>
public class RulesTableTests
{
    static readonly ModuleDefinition Module = ModuleDefinition.CreateModule("Rules", ModuleKind.Dll);
    static MethodDefinition Method(string name) => new(name, Mono.Cecil.MethodAttributes.Public, Module.TypeSystem.Void);
    static FieldDefinition Field(string name) => new(name, Mono.Cecil.FieldAttributes.Static, Module.TypeSystem.Int32);
    static readonly MethodBase LiveMethod = typeof(object).GetMethod(nameof(ToString))!;
    static readonly FieldInfo LiveField = typeof(string).GetField(nameof(string.Empty))!;

    static MemberChange Change(ChangeKind kind, MemberKind category, string member = "M") => new(new MemberKey("T", member), "T", member, kind, category);

    static (string Rule, RuleDecisions Plan) Decide(MemberChange change)
    {
        var rule = UpdateRules.Table.First(r => r.When(change));
        return (rule.Name, UpdateRules.Decide([change]));
    }

    [Test]
    public void EveryRow_HasItsOwnName() => Assert.That(UpdateRules.Table.Select(r => r.Name), Is.Unique);

    [Test]
    public void TheDocumentedTable_ListsEveryRow_InTheTablesOrder()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "update-rules.md"));
        var listed = System.Text.RegularExpressions.Regex.Matches(readme, @"^\| `([^`]+)` \|", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).Where(name => UpdateRules.Table.Any(r => r.Name == name) || name.StartsWith("rude edit:")).ToList();
        Assert.That(listed, Is.EqualTo(UpdateRules.Table.Select(r => r.Name).ToList()));
    }

    internal static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Detour.sln"))) folder = folder.Parent;
        return folder?.FullName ?? throw new DirectoryNotFoundException("Detour.sln above the test folder");
    }

    [Test]
    public void ARudeEdit_IsDecidedFirst_WhateverElseHolds()
    {
        var change = Change(ChangeKind.Changed, MemberKind.Method, "Twice") with
            { Method = Method("Twice"), Live = LiveMethod, NeedsRestart = RestartNeeded.GenericEdited, Detail = "method", AttributesOnly = true };
        var (rule, plan) = Decide(change);
        Assert.That(rule, Is.EqualTo("rude edit: GenericEdited"));
        Assert.That(plan.Rude.Single().Reason, Does.StartWith("editing the generic method T.Twice needs a restart: this app's runtime does not take metadata updates"));
        Assert.That(plan.Detour, Is.Empty);
    }

    [Test]
    public void AGenericBody_GoesToTheRuntimesUpdate_WhenTheAppsRuntimeTakesThem()
    {
        var change = Change(ChangeKind.Changed, MemberKind.Method, "Twice") with
            { Method = Method("Twice"), Live = LiveMethod, NeedsRestart = RestartNeeded.GenericEdited, Detail = "method", RuntimeCanUpdate = true };
        var (rule, plan) = Decide(change);
        Assert.That(rule, Is.EqualTo("edited generic code, through the runtime's metadata update"));
        Assert.That(plan.RuntimeUpdate, Is.EqualTo(new[] { change }));
        Assert.That(plan.Rude, Is.Empty);
        Assert.That(plan.Detour, Is.Empty, "shared generic code is never detoured");
        Assert.That(plan.Report.Single().Status, Is.EqualTo(MemberStatus.Patched));
    }

    [Test]
    public void EveryFactThatNeedsARestart_HasItsOwnRow_AndItsMessageSaysRestart()
    {
        foreach (var fact in Enum.GetValues<RestartNeeded>())
        {
            var rows = UpdateRules.Table.Where(r => r.When(Change(ChangeKind.Changed, MemberKind.Method) with { NeedsRestart = fact })).ToList();
            Assert.That(rows.First().Name, Is.EqualTo($"rude edit: {fact}"), $"{fact} is decided by its own row, before any other");
            var plan = UpdateRules.Decide([Change(ChangeKind.Changed, MemberKind.Method) with { NeedsRestart = fact, Detail = "X" }]);
            Assert.That(plan.Rude.Single().Reason, Does.Contain("needs a restart"), fact.ToString());
        }
    }

    [Test]
    public void AttributesOnly_IsSkipped_WithTheReason()
    {
        var (rule, plan) = Decide(Change(ChangeKind.Changed, MemberKind.Method) with { Method = Method("M"), Live = LiveMethod, AttributesOnly = true });
        Assert.That(rule, Is.EqualTo("attributes changed, body unchanged"));
        Assert.That(plan.Report.Single().Status, Is.EqualTo(MemberStatus.Skipped));
        Assert.That(plan.Detour, Is.Empty);
    }

    [Test]
    public void TheRunningEntryPoint_IsDetoured_AndTheReportSaysWhenItRuns()
    {
        // The tool's Main: a method that is its assembly's entry point, whatever the test host is.
        var entry = typeof(Detour.Tool.RunCommand).Assembly.EntryPoint!;
        var (rule, plan) = Decide(Change(ChangeKind.Changed, MemberKind.Method) with { Method = Method("Main"), Live = entry });
        Assert.That(rule, Is.EqualTo("changed body of the running entry point"));
        Assert.That(plan.Detour, Has.Count.EqualTo(1));
        Assert.That(plan.Report.Single().Reason, Does.Contain("already running"));
    }

    [TestCase(MemberKind.Method)]
    [TestCase(MemberKind.Accessor)]
    [TestCase(MemberKind.Constructor)]
    [TestCase(MemberKind.Operator)]
    public void AChangedBody_IsDetoured(MemberKind category)
    {
        var (rule, plan) = Decide(Change(ChangeKind.Changed, category) with { Method = Method("M"), Live = LiveMethod });
        Assert.That(rule, Is.EqualTo("changed body"));
        Assert.That(plan.Detour, Has.Count.EqualTo(1));
        Assert.That(plan.Report.Single().Status, Is.EqualTo(MemberStatus.Patched));
    }

    [TestCase(MemberKind.Lambda)]
    [TestCase(MemberKind.LocalFunction)]
    public void ALambdaWithTheSameClosure_IsDetoured_ForDelegatesMadeBefore(MemberKind category)
    {
        var (rule, plan) = Decide(Change(ChangeKind.Changed, category) with { Method = Method("<M>b__0_0"), Live = LiveMethod });
        Assert.That(rule, Is.EqualTo("lambda or local function with the same closure shape"));
        Assert.That(plan.Report.Single().Reason, Does.Contain("delegates made before the edit run the new body"));
    }

    [Test]
    public void AClosureThatCannotFollow_IsSkipped_WithItsReason()
    {
        var (rule, plan) = Decide(Change(ChangeKind.Changed, MemberKind.Closure) with { ClosureNotUpdated = "captured variables changed" });
        Assert.That(rule, Is.EqualTo("closure whose old delegates cannot follow"));
        Assert.That(plan.Report.Single().Reason, Is.EqualTo("captured variables changed"));
    }

    [Test]
    public void AnAddedLambda_IsNeitherDetouredNorReported()
    {
        var (rule, plan) = Decide(Change(ChangeKind.Added, MemberKind.Lambda) with { Method = Method("<M>b__0_1") });
        Assert.That(rule, Is.EqualTo("added lambda or closure"));
        Assert.That(plan.Report, Is.Empty);
        Assert.That(plan.Detour, Is.Empty);
    }

    [Test]
    public void StaticInitializers_AreReRun_UnlessKept()
    {
        var field = Change(ChangeKind.Changed, MemberKind.StaticField, "Speed") with { Field = Field("Speed"), LiveField = LiveField, InitializerChanged = true };
        var (rule, plan) = Decide(field);
        Assert.That(rule, Is.EqualTo("changed static initializer"));
        Assert.That(plan.Reinitialize, Is.EqualTo(new[] { field }));
        var (keptRule, kept) = Decide(field with { KeepValue = true });
        Assert.That(keptRule, Is.EqualTo("changed static initializer, opted out"));
        Assert.That(kept.Reinitialize, Is.Empty);
    }

    [Test]
    public void AChangedStaticConstructorBody_IsReportedAsNotReRun()
    {
        var (rule, plan) = Decide(Change(ChangeKind.Changed, MemberKind.StaticConstructor, ".cctor") with { StaticConstructorChanged = true });
        Assert.That(rule, Is.EqualTo("changed static constructor body"));
        Assert.That(plan.Report.Single().Reason, Does.Contain("not re-run"));
    }

    [Test]
    public void AddedMembers_AreReportedAsAdded_RemovedOnesAsRemoved()
    {
        Assert.That(Decide(Change(ChangeKind.Added, MemberKind.StaticField) with { Field = Field("F") }).Rule, Is.EqualTo("added static field"));
        Assert.That(Decide(Change(ChangeKind.Added, MemberKind.Method) with { Method = Method("M") }).Rule, Is.EqualTo("added method"));
        Assert.That(Decide(Change(ChangeKind.Added, MemberKind.Type, "")).Rule, Is.EqualTo("added type"));
        var (rule, plan) = Decide(Change(ChangeKind.Removed, MemberKind.Method));
        Assert.That(rule, Is.EqualTo("removed member"));
        Assert.That(plan.Report.Single().Status, Is.EqualTo(MemberStatus.Removed));
    }

    [Test]
    public void AMethodTurnedIntoAProperty_SaysSo_OnBothHalves()
    {
        Assert.That(Decide(Change(ChangeKind.Added, MemberKind.Accessor, "get_Fee") with { Method = Method("get_Fee"), Reshaped = "method Fee() turned into a property" })
            .Plan.Report.Single().Reason, Does.Contain("turned into a property: added"));
        Assert.That(Decide(Change(ChangeKind.Removed, MemberKind.Method, "Fee") with { Reshaped = "method Fee() turned into a property" })
            .Plan.Report.Single().Reason, Does.Contain("callers not recompiled keep the old body"));
    }
}
