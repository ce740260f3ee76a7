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

        var back = updates.Revert(null, out error);
        Assert.That(error, Is.Null);
        Assert.That(back, Is.Not.Null, "the build's body, as a third update");
        updates.Commit();
        Assert.That(updates.Revert(null, out error), Is.Null, "every generic body is the build's again: nothing is left to put back");
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
}
