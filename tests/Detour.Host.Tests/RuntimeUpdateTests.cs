using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using Detour.Channel;
using NUnit.Framework;
using Target;

namespace Detour.Host.Tests;

/// <summary>The host's half of generic edits: the runtime's update it writes against the target's build. (Applying it
/// needs an app started with DOTNET_MODIFIABLE_ASSEMBLIES=debug: the end-to-end GenericsTests do that.)</summary>
public class RuntimeUpdateTests
{
    static readonly ProjectModel Project = ProjectModel.Load(typeof(Game).Assembly.Location);
    static string Shapes => Project.Sources.Single(s => Path.GetFileName(s) == "Shapes.cs");

    /// <summary>What the relinker reports changed when Box&lt;T&gt;.Describe's body is edited.</summary>
    static readonly (string, string)[] Describe = [("Target.Box`1", "Describe")];

    static RuntimeUpdates Make() =>
        new(new CSharpProject(Project), () => Project.Sources.Where(File.Exists).ToDictionary(p => p, File.ReadAllText));

    static Dictionary<string, string> Edited(string from, string to)
    {
        string text = File.ReadAllText(Shapes);
        Assert.That(text, Does.Contain(from), "test setup: text to replace");
        return new() { [Shapes] = text.Replace(from, to) };
    }

    /// <summary>The methods an update gives new bodies to, as its Edit and Continue map lists them.</summary>
    static int UpdatedMethods(MetadataUpdate update)
    {
        var reader = MetadataReaderProvider.FromMetadataImage([.. update.Metadata]).GetMetadataReader();
        return reader.GetEditAndContinueMapEntries().Count(h => h.Kind == HandleKind.MethodDefinition);
    }

    [Test]
    public void AGenericBodyEdit_IsAnUpdateOfThatMethodAlone_AndASecondEditBuildsOnTheFirst()
    {
        var updates = Make();
        var first = updates.Emit(Edited("\"box of \"", "\"a box of \""), [], Describe, out var error)?.Updates;
        Assert.That(error, Is.Null);
        Assert.That(first, Is.Not.Null);
        Assert.That(first!.Assembly, Is.EqualTo(Project.AssemblyName));
        Assert.That(UpdatedMethods(first), Is.EqualTo(1), "Box<T>.Describe only");
        updates.Commit();

        var second = updates.Emit(Edited("\"box of \"", "\"the box of \""), [], Describe, out error)?.Updates;
        Assert.That(error, Is.Null);
        Assert.That(UpdatedMethods(second!), Is.EqualTo(1));
        updates.Commit();

        var back = updates.Revert(null, out error, out _);
        Assert.That(error, Is.Null);
        Assert.That(back, Is.Not.Null, "the build's body, as a third update");
        updates.Commit();
        Assert.That(updates.Revert(null, out error, out _), Is.Null, "every generic body is the build's again: nothing is left to put back");
        Assert.That(error, Is.Null);
    }

    [Test]
    public void AnEditOfNonGenericCodeOnly_NeedsNoUpdate()
    {
        var update = Make().Emit(Edited("Side * Side", "Side * Side * 2"), [], [("Target.Square", "Area")], out var error);
        Assert.That(error, Is.Null);
        Assert.That(update, Is.Not.Null);
        Assert.That(update!.Updates, Is.Null, "Square.Area is not generic: it is detoured, not updated");
        Assert.That(update.Inserts, Is.Null);
    }

    [Test]
    public void AGenericBodyThatUsesAMemberAddedSinceTheBuild_IsRefused_NamingIt()
    {
        var update = Make().Emit(Edited("public string Describe() => \"box of \" + Item;",
            "public string Describe() => Label() + Item;\n    public static string Label() => \"box of \";"), [], Describe, out var error);
        Assert.That(update, Is.Null);
        Assert.That(error, Does.Contain("uses Target.Box<T>.Label(), which the runtime's metadata does not have"));
    }

    static string Closures => Project.Sources.Single(s => Path.GetFileName(s) == "Closures.cs");

    static string ClosuresEdited(string text, string from, string to)
    {
        Assert.That(text, Does.Contain(from), "test setup: text to replace");
        return text.Replace(from, to);
    }

    /// <summary>Methods the update adds: a lambda or state machine re-created rather than updated adds its new one.</summary>
    static int AddedMethods(MetadataUpdate update) =>
        MetadataReaderProvider.FromMetadataImage([.. update.Metadata]).GetMetadataReader()
            .GetEditAndContinueLogEntries().Count(e => e.Operation == EditAndContinueOperation.AddMethod);

    [TestCase("\"bag holds \"", "\"the bag holds \"", "Teller", TestName = "A lambda that captures this")]
    [TestCase("\"seen \"", "\"counted \"", "Tally", TestName = "A lambda that shares a local")]
    [TestCase("\"fetched \"", "\"got \"", "Fetch", TestName = "An async method")]
    public void ALambdaOrStateMachineBodyEdit_IsUpdatedInPlace_SoWhatWasMadeBeforeTheEditRunsTheNewBody(string from, string to, string method)
    {
        var updates = Make();
        string text = File.ReadAllText(Closures), once = ClosuresEdited(text, from, to);
        var edit = updates.Emit(new Dictionary<string, string> { [Closures] = once }, [], [("Target.Bag`1", method)], out var error);
        Assert.That(error, Is.Null);
        Assert.That(AddedMethods(edit!.Updates!), Is.EqualTo(0), "the build's lambda or MoveNext takes the new body; nothing is re-created");
        Assert.That(DeltaFacts.Of(edit.Updates!).RetiresCode, Is.False);
        Assert.That(edit.Warnings, Is.Empty);
        updates.Commit();
        // The next edit builds on the first: the map pairs the lambdas of the runtime's current code.
        var again = updates.Emit(new Dictionary<string, string> { [Closures] = ClosuresEdited(once, to, to.Replace("\"", "\"!")) }, [], [("Target.Bag`1", method)], out error);
        Assert.That(error, Is.Null);
        Assert.That(AddedMethods(again!.Updates!), Is.EqualTo(0));
    }

    [Test]
    public void ALambdaThatCapturesANewVariable_IsUpdatedInPlace_WithAWarningThatOldClosuresHoldItsDefault()
    {
        var edit = Make().Emit(new Dictionary<string, string> { [Closures] = ClosuresEdited(File.ReadAllText(Closures), "return \"seen \" + seen;", "return \"seen \" + seen + \" from \" + start;") },
            [], [("Target.Bag`1", "Tally")], out var error);
        Assert.That(error, Is.Null);
        Assert.That(AddedMethods(edit!.Updates!), Is.EqualTo(0));
        Assert.That(edit.Warnings.Single(), Does.Contain("Target.Bag<T>.Tally(int): the lambda at line 18 now captures 'start': delegates made before the edit hold no value for it"));
    }

    [TestCase("return () => \"bag holds \" + Item;", "return null!;", "its lambda (line 12 before the edit) was removed or changed past recognition, and delegates made of it before the edit would throw",
        TestName = "A lambda removed")]
    [TestCase("await Task.Yield();", "", "its await (line 27 before the edit) was removed or moved, and a call suspended there could not resume",
        TestName = "An await removed")]
    [TestCase("\"bag holds \" + Item;", "\"bag holds \" + Item + times;",
        "the update re-creates a lambda (what it captures changed), and delegates made of it before the edit would throw", TestName = "A lambda moved to a new closure")]
    public void AnEditTheRuntimesUpdateCannotCarryOver_IsRefused_SayingWhy(string from, string to, string why)
    {
        string method = from.Contains("await") ? "Fetch" : "Teller";
        var edit = Make().Emit(new Dictionary<string, string> { [Closures] = ClosuresEdited(File.ReadAllText(Closures), from, to) }, [], [("Target.Bag`1", method)], out var error);
        Assert.That(edit, Is.Null);
        Assert.That(error, Does.Contain($"through the runtime's update needs a restart: {why}"));
    }
}
