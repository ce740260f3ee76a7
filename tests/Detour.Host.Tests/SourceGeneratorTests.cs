using NUnit.Framework;
using Target;

namespace Detour.Host.Tests;

/// <summary>Edits of partial types whose other part a source generator writes: each compiles with the generators run
/// on it, as the build compiles them.</summary>
[NonParallelizable]
public class SourceGeneratorTests : SessionFixture
{
    static string ViewModelsPath => Source("ViewModels.cs");

    [Test]
    public void ObservableProperty_Added_AndReadThroughItsGeneratedProperty()
    {
        var profile = new Profile();
        var report = Edit(ViewModelsPath,
            ("private string _name = \"ada\";", "private string _name = \"ada\";\n\n    [ObservableProperty]\n    private string _title = \"dr\";"),
            ("public string Show() => Name;", "public string Show() => Title + \" \" + Name;"));
        AssertApplied(report);
        Assert.That(new Profile().Show(), Is.EqualTo("dr ada"), "an object made after the edit, through the generated Title");
        Assert.That(profile.Show(), Does.EndWith(" ada"), "an object made before: the added field holds its default");
    }

    [Test]
    public void RelayCommand_Added_IsCallableThroughItsGeneratedCommand()
    {
        var report = Edit(ViewModelsPath,
            ("public string Show() => Name;", "public string Show() { RenameCommand.Execute(null); return Name; }\n\n    [RelayCommand]\n    private void Rename() => Name = \"grace\";"));
        AssertApplied(report);
        Assert.That(new Profile().Show(), Is.EqualTo("grace"));
    }

    [Test]
    public void JsonSerializableContext_SeesTheEditedType()
    {
        Assert.That(Readings.Json(), Is.EqualTo("{\"Place\":\"Oslo\",\"Degrees\":3}"));
        var report = Edit(ViewModelsPath, ("new Reading(\"Oslo\", 3)", "new Reading(\"Bergen\", 7)"));
        AssertApplied(report);
        Assert.That(Readings.Json(), Is.EqualTo("{\"Place\":\"Bergen\",\"Degrees\":7}"));
    }

    [Test]
    public void LoggerMessage_PartialMethodAdded_GetsItsGeneratedBody()
    {
        var report = Edit(ViewModelsPath,
            ("public static class Readings\n{", "public static partial class Readings\n{\n    [Microsoft.Extensions.Logging.LoggerMessage(1, Microsoft.Extensions.Logging.LogLevel.Information, \"read {Place}\")]\n    static partial void LogRead(Microsoft.Extensions.Logging.ILogger logger, string place);\n"),
            ("public static string Json() =>", "public static string Json() => Log() +"),
            ("ReadingContext.Default.Reading);", "ReadingContext.Default.Reading);\n\n    static string Log() { LogRead(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, \"x\"); return \"logged \"; }"));
        AssertApplied(report);
        Assert.That(Readings.Json(), Does.StartWith("logged {"));
    }
}
