using NUnit.Framework;
using Target;

namespace Detour.Host.Tests;

/// <summary>A fresh reload session on the target assembly for every test, its plans applied in this process
/// by the agent's applier; every patch is undone after it.</summary>
public abstract class SessionFixture
{
    protected ReloadSession Session = null!;
    protected InProcessAgent Agent = null!;
    LiveView _view = null!;

    protected static string Source(string name) =>
        ProjectModel.Load(typeof(Game).Assembly.Location).Sources.Single(s => Path.GetFileName(s) == name);

    [SetUp]
    public void StartSession()
    {
        Agent = new InProcessAgent();
        _view = InProcessAgent.ViewOfThisProcess();
        Session = new ReloadSession(ProjectModel.Load(typeof(Game).Assembly.Location), _view, Agent);
    }

    [TearDown]
    public void RevertAll()
    {
        Session.Revert();
        _view.Dispose();
    }

    /// <summary>Applies the file's text with each replacement made; each must be found.</summary>
    protected ReloadReport Edit(string path, params (string From, string To)[] replacements)
    {
        var text = File.ReadAllText(path);
        foreach (var (from, to) in replacements)
        {
            Assert.That(text, Does.Contain(from), "test setup: text to replace");
            text = text.Replace(from, to);
        }
        return Session.Apply(new Dictionary<string, string> { [path] = text });
    }

    protected static void AssertApplied(ReloadReport report) => Assert.That(report.Errors, Is.Empty, string.Join("\n", report.Errors));

    protected static IEnumerable<string> With(ReloadReport report, MemberStatus status) =>
        report.Members.Where(m => m.Status == status).Select(m => m.Member);
}
