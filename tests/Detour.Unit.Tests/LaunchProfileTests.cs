using Detour.Tool;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>Which launch profile `dotnet detour run` applies, as `dotnet run` picks it: the first of commandName
/// "Project", or the one --launch-profile names (--no-launch-profile skips this lookup altogether).</summary>
public class LaunchProfileTests
{
    string _project = null!;

    [SetUp]
    public void MakeProject()
    {
        string folder = Path.Combine(Path.GetTempPath(), "detour-profile-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(folder, "Properties"));
        _project = Path.Combine(folder, "App.csproj");
        File.WriteAllText(_project, "<Project />");
    }

    [TearDown]
    public void RemoveProject() => Directory.Delete(Path.GetDirectoryName(_project)!, recursive: true);

    void Settings(string json) => File.WriteAllText(Path.Combine(Path.GetDirectoryName(_project)!, "Properties", "launchSettings.json"), json);

    const string TwoProfiles = """
        {
          // comments and trailing commas, as Visual Studio writes them
          "profiles": {
            "IIS Express": { "commandName": "IISExpress" },
            "http": { "commandName": "Project", "applicationUrl": "http://localhost:5111",
                      "environmentVariables": { "ASPNETCORE_ENVIRONMENT": "Development" } },
            "https": { "commandName": "Project", "applicationUrl": "https://localhost:7111;http://localhost:5111",
                       "commandLineArgs": "--seed 3", "environmentVariables": { "ASPNETCORE_ENVIRONMENT": "Staging" } },
          }
        }
        """;

    [Test]
    public void WithoutAName_TheFirstProjectProfile_WithItsUrlEnvironmentAndName()
    {
        Settings(TwoProfiles);
        var profile = LaunchProfile.Of(_project, null)!;
        Assert.That(profile.Name, Is.EqualTo("http"));
        Assert.That(profile.Environment["ASPNETCORE_URLS"], Is.EqualTo("http://localhost:5111"));
        Assert.That(profile.Environment["ASPNETCORE_ENVIRONMENT"], Is.EqualTo("Development"));
        Assert.That(profile.Environment["DOTNET_LAUNCH_PROFILE"], Is.EqualTo("http"));
        Assert.That(profile.CommandLineArgs, Is.Null);
    }

    [Test]
    public void LaunchProfileOption_PicksTheNamedOne_WithItsArguments()
    {
        Settings(TwoProfiles);
        var profile = LaunchProfile.Of(_project, "https")!;
        Assert.That(profile.Environment["ASPNETCORE_ENVIRONMENT"], Is.EqualTo("Staging"));
        Assert.That(profile.CommandLineArgs, Is.EqualTo("--seed 3"));
    }

    [Test]
    public void AProfileThatIsMissing_OrNotAProjectOne_OrBrokenJson_IsAnErrorThatSaysWhatToDo()
    {
        Settings(TwoProfiles);
        Assert.That(() => LaunchProfile.Of(_project, "nope"), Throws.TypeOf<ToolException>().With.Message.Contains("no launch profile 'nope'"));
        Assert.That(() => LaunchProfile.Of(_project, "IIS Express"), Throws.TypeOf<ToolException>().With.Message.Contains("is not of commandName \"Project\""));
        Settings("{ \"profiles\": ");
        Assert.That(() => LaunchProfile.Of(_project, null), Throws.TypeOf<ToolException>().With.Message.Contains("run with --no-launch-profile"));
    }

    [Test]
    public void NoSettingsFile_NoProfile_UnlessOneIsNamed()
    {
        Assert.That(LaunchProfile.Of(_project, null), Is.Null);
        Assert.That(() => LaunchProfile.Of(_project, "http"), Throws.TypeOf<ToolException>().With.Message.Contains("does not exist"));
    }
}
