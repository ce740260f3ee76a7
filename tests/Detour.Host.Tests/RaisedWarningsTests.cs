using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;
using Target;

namespace Detour.Host.Tests;

/// <summary>Nullable analysis runs only where the build may turn its warnings into errors: an edit with a nullable
/// warning applies where the build lets warnings be, and is refused where the build raises that warning.</summary>
public class RaisedWarningsTests
{
    const string Flawed = "public string Greet(string who) { string? none = who.Length > 0 ? who : null; return \"hello \" + who + none.Length; }";

    static ProjectModel TargetWithCompilerArguments(params string[] added)
    {
        var model = ProjectModel.Load(typeof(Game).Assembly.Location);
        string rsp = ProjectModel.ManifestPathFor(model.TargetPath) + ProjectModel.CompilerArgumentsSuffix;
        var arguments = CSharpCommandLineParser.Default.Parse([.. File.ReadAllLines(rsp), .. added], model.ProjectDirectory, sdkDirectory: null);
        return model with { CompilerArguments = arguments };
    }

    [TestCase(new string[0], false, TestName = "The SDK's defaults (SYSLIB0011 raised): skipped")]
    [TestCase(new[] { "/warnaserror+:CS8602" }, true, TestName = "A nullable warning raised: run")]
    [TestCase(new[] { "/warnaserror+:CS0168" }, true, TestName = "Another compiler warning raised: run")]
    [TestCase(new[] { "/warnaserror+" }, true, TestName = "TreatWarningsAsErrors: run")]
    public void NullableAnalysis(string[] added, bool runs)
    {
        var project = new CSharpProject(TargetWithCompilerArguments(added));
        Assert.That(project.Raised.NullableWarningsMayFail, Is.EqualTo(runs));
        Assert.That(project.ParseOptions.Features.TryGetValue("run-nullable-analysis", out var value) ? value : "", Is.EqualTo(runs ? "" : "never"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AnEditWithANullableWarning_AppliesUnlessTheBuildRaisesIt(bool raised)
    {
        var model = TargetWithCompilerArguments(raised ? ["/warnaserror+:CS8602"] : []);
        using var view = InProcessAgent.ViewOfThisProcess();
        var session = new ReloadSession(model, view, new InProcessAgent());
        try
        {
            string path = model.Sources.Single(s => Path.GetFileName(s) == "Game.cs");
            string text = File.ReadAllText(path).Replace("public string Greet(string who) => \"hello \" + who;", Flawed);
            var report = session.Apply(new Dictionary<string, string> { [path] = text });
            if (raised)
            {
                Assert.That(report.Errors, Has.Some.Match(@"Game\.cs\(\d+,\d+\): error CS8602: .*a warning this project's build treats as an error"));
                Assert.That(new Game().Greet("ann"), Is.EqualTo("hello ann"), "nothing was applied");
            }
            else
            {
                Assert.That(report.Errors, Is.Empty, string.Join("\n", report.Errors));
                Assert.That(new Game().Greet("ann"), Is.EqualTo("hello ann3"));
            }
        }
        finally { session.Revert(); }
    }
}
