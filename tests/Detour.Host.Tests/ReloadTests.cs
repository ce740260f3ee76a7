using Detour.Channel;
using NUnit.Framework;
using Target;

namespace Detour.Host.Tests;

[NonParallelizable]
public class ReloadTests : SessionFixture
{
    static string GamePath => Source("Game.cs");
    static string ShapesPath => Source("Shapes.cs");

    [SetUp]
    public void ResetStatics()
    {
        Game.Speed = 3;
        Game.Title = "game";
    }

    ReloadReport Edit(string path, string from, string to) => Edit(path, (from, to));

    [Test]
    public void ChangedInstanceMethod_PatchesOnlyThatMethod_OldInstancesUseIt()
    {
        var game = new Game();
        Assert.That(game.Greet("a"), Is.EqualTo("hello a"));
        var report = Edit(GamePath, "\"hello \" + who", "\"hi \" + who");
        Assert.That(report.Errors, Is.Empty);
        Assert.That(report.Members.Where(m => m.Status == MemberStatus.Patched).Select(m => m.Member), Is.EqualTo(new[] { "Target.Game.Greet" }));
        Assert.That(game.Greet("a"), Is.EqualTo("hi a"));
        Assert.That(report.Summary(), Does.Match(@"Game.cs: 1 patched \(\d+ ms\)"));
    }

    [Test]
    public void SuccessiveEdits_RetargetTheSameMethod()
    {
        Assert.That(Edit(GamePath, "x * 2", "x * 3").Errors, Is.Empty);
        Assert.That(Game.Twice(5), Is.EqualTo(15));
        var second = Session.Apply(new Dictionary<string, string> { [GamePath] = File.ReadAllText(GamePath).Replace("x * 2", "x * 4") });
        Assert.That(second.Errors, Is.Empty);
        Assert.That(Game.Twice(5), Is.EqualTo(20));
        Session.Revert();
        Assert.That(Game.Twice(5), Is.EqualTo(10));
    }

    [Test]
    public void VirtualOverride_CalledThroughBase_AndStructMethod()
    {
        Shape shape = new Square(3);
        var counter = new Counter();
        var report = Session.Apply(new Dictionary<string, string>
        {
            [ShapesPath] = File.ReadAllText(ShapesPath).Replace("Side * Side", "Side * Side * 10").Replace("Count += 1", "Count += 5"),
        });
        Assert.That(report.Errors, Is.Empty, string.Join("\n", report.Errors));
        Assert.That(shape.Area(), Is.EqualTo(90));
        counter.Step();
        Assert.That(counter.Count, Is.EqualTo(5));
    }

    [Test]
    public void AddedMethod_IsCallableFromNewCode_AndStableAcrossEdits()
    {
        var text = File.ReadAllText(GamePath);
        var withHelper = text.Replace("public static int Twice(int x) => x * 2;", "public static int Twice(int x) => Helper(x) * 2;\n    static int Helper(int x) => x + 100;");
        var first = Session.Apply(new Dictionary<string, string> { [GamePath] = withHelper });
        Assert.That(first.Errors, Is.Empty, string.Join("\n", first.Errors));
        Assert.That(first.Members.Any(m => m.Member.EndsWith("Helper") && m.Status == MemberStatus.Added));
        Assert.That(Game.Twice(1), Is.EqualTo(202));
        var second = Session.Apply(new Dictionary<string, string> { [GamePath] = withHelper.Replace("x + 100", "x + 1000") });
        Assert.That(second.Errors, Is.Empty, string.Join("\n", second.Errors));
        Assert.That(Game.Twice(1), Is.EqualTo(2002));
    }

    [Test]
    public void StaticFields_KeepValues_UnlessTheirInitializerChanged()
    {
        Game.Title = "changed at run time";
        var report = Edit(GamePath, "Speed = 3;", "Speed = 7;");
        Assert.That(report.Errors, Is.Empty, string.Join("\n", report.Errors));
        Assert.That(Game.Speed, Is.EqualTo(7), "initializer changed: new value");
        Assert.That(Game.Title, Is.EqualTo("changed at run time"), "initializer unchanged: value kept");
    }

    [Test]
    public void DelegatesMadeBeforeTheEdit_RunTheNewLambdaBody()
    {
        var game = new Game();
        var adder = game.MakeAdder();
        Assert.That(adder(1), Is.EqualTo(2));
        var report = Edit(GamePath, "x => x + 1", "x => x + 50");
        Assert.That(report.Errors, Is.Empty, string.Join("\n", report.Errors));
        Assert.That(adder(1), Is.EqualTo(51), "old delegate");
        Assert.That(game.MakeAdder()(1), Is.EqualTo(51), "new delegate");
    }

    [Test]
    public void CommentOnlyEdit_PatchesNothing()
    {
        var report = Edit(GamePath, "public int Tick()", "// a comment\n    public int Tick()");
        Assert.That(report.Errors, Is.Empty);
        Assert.That(report.Members.Count(m => m.Status == MemberStatus.Patched), Is.Zero);
        Assert.That(report.Summary(), Does.Contain("nothing patched"));
    }

    [Test]
    public void CompileError_IsReportedAgainstTheRealFile_ThenTheFixApplies()
    {
        var bad = Edit(GamePath, "x * 2", "x * ");
        Assert.That(bad.Succeeded, Is.False);
        Assert.That(bad.Errors[0], Does.Match(@"Game\.cs\(\d+,\d+\): error CS\d+: "));
        Assert.That(Game.Twice(2), Is.EqualTo(4));
        Assert.That(Edit(GamePath, "x * 2", "x * 5").Errors, Is.Empty);
        Assert.That(Game.Twice(2), Is.EqualTo(10));
    }

    [Test]
    public void RudeEdit_IsRejectedWhole_WithFileLineAndReason()
    {
        var report = Edit(Source("Creature.cs"), ("public int X;", "public int X;\n    public int Y;"));
        Assert.That(report.Succeeded, Is.False);
        Assert.That(report.Errors[0], Does.Match(@"Creature\.cs\(\d+,\d+\): rude edit: adding the instance field Spot\.Y to a struct changes its size"));
        var virtualAdded = Edit(ShapesPath, "public override string Describe() => \"square\";", "public override string Describe() => \"square\";\n    public virtual int Sides() => 4;");
        Assert.That(virtualAdded.Errors[0], Does.Contain("rude edit: adding the virtual method Square.Sides needs a restart"));
    }

    [Test]
    public void FaultMidTransaction_RollsBackEverything_ThenAGoodEditApplies()
    {
        Agent.Applier.FaultInjection = stage => { if (stage == FaultStage.Fields) throw new IOException("injected"); };
        var text = File.ReadAllText(GamePath);
        var report = Session.Apply(new Dictionary<string, string> { [GamePath] = text.Replace("x * 2", "x * 9").Replace("Speed = 3;", "Speed = 8;") });
        Assert.That(report.Succeeded, Is.False);
        Assert.That(report.Errors[0], Does.Contain("rolled back").And.Contain("injected"));
        Assert.That(Game.Twice(1), Is.EqualTo(2));
        Assert.That(Game.Speed, Is.EqualTo(3));
        Agent.Applier.FaultInjection = null;
        Assert.That(Session.Apply(new Dictionary<string, string> { [GamePath] = text.Replace("x * 2", "x * 9") }).Errors, Is.Empty);
        Assert.That(Game.Twice(1), Is.EqualTo(9));
    }

    [Test]
    public void StaticReadonlyInitializer_ChangedWithTheMethodsThatReadIt_IsReapplied()
    {
        Assert.That(Suffixed.Greeting(), Is.EqualTo("w0s00"));
        AssertApplied(Edit(Source("Suffixed.cs"), ("\"s0\"", "\"s1\""), ("\"0\";", "\"1\";"), ("\"w0\"", "\"w1\"")));
        Assert.That(Suffixed.Greeting(), Is.EqualTo("w1s11"));
        AssertApplied(Edit(Source("GlobalSuffixed.cs"), ("\"s0\"", "\"s1\""), ("\"0\";", "\"1\";"), ("\"w0\"", "\"w1\"")));
        Assert.That(GlobalSuffixed.Greeting(), Is.EqualTo("w1s11"));
    }

    [Test]
    public void FileSavedBeforeTheSessionOpened_ItsWholeText_InitializersToo_IsApplied()
    {
        string path = Source("SavedBeforeOpen.cs");
        Session.AssumeChangedSinceBuild(path);
        AssertApplied(Edit(path, ("\"s0\"", "\"s2\""), ("\"0\";", "\"2\";"), ("\"w0\"", "\"w2\"")));
        Assert.That(SavedBeforeOpen.Greeting(), Is.EqualTo("w2s22"), "the text the app ran was unknown: every member and initializer is applied");
    }

    [TestCase(FaultStage.Loaded)]
    [TestCase(FaultStage.Initializers)]
    [TestCase(FaultStage.Detours)]
    [TestCase(FaultStage.DetourWrite)]
    [TestCase(FaultStage.Fields)]
    public void FaultAtAnAgentStage_RollsBack_AndTheSameEditAppliesAfter(FaultStage stage)
    {
        bool fired = false;
        Agent.Applier.FaultInjection = s => { if (s == stage && !fired) { fired = true; throw new IOException("injected at " + InjectedFaults.NameOf(s)); } };
        var text = File.ReadAllText(GamePath);
        var edited = text.Replace("x * 2", "x * 9").Replace("Speed = 3;", "Speed = 8;").Replace("hello ", "hey ");
        var failed = Session.Apply(new Dictionary<string, string> { [GamePath] = edited });
        Assert.That(failed.Errors[0], Does.Contain("rolled back").And.Contain("injected at " + InjectedFaults.NameOf(stage)));
        Assert.That((Game.Twice(1), Game.Speed, new Game().Greet("a")), Is.EqualTo((2, 3, "hello a")));
        AssertApplied(Session.Apply(new Dictionary<string, string> { [GamePath] = edited }));
        Assert.That((Game.Twice(1), Game.Speed, new Game().Greet("a")), Is.EqualTo((9, 8, "hey a")));
    }

    [Test]
    public void PatchedCode_ReportsTheEditedFilesNewLineNumbers()
    {
        var text = File.ReadAllText(GamePath);
        var edited = text.Replace("public int Throws() => throw new InvalidOperationException(\"boom\");",
            "public int Throws()\n    {\n\n\n        throw new InvalidOperationException(\"boom2\");\n    }");
        Assert.That(Session.Apply(new Dictionary<string, string> { [GamePath] = edited }).Errors, Is.Empty);
        var e = Assert.Throws<InvalidOperationException>(() => new Game().Throws())!;
        int expectedLine = edited.Split('\n').ToList().FindIndex(l => l.Contains("boom2")) + 1;
        Assert.That(e.StackTrace, Does.Contain($"Game.cs:line {expectedLine}"));
    }

    [Test]
    public void MissingManifest_SaysHowToProduceIt()
    {
        string folder = Path.Combine(Path.GetTempPath(), "detour-no-manifest-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            var e = Assert.Throws<ReloadException>(() => ProjectModel.Load(Path.Combine(folder, "App.dll")))!;
            Assert.That(e.Message, Does.Contain("App.dll.detour: no Detour manifest").And.Contain("Import Detour.targets").And.Contain("dotnet build -c Debug"));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Test]
    public void RelinkFailure_AppliesNothing_AndTheNextEditApplies()
    {
        Session.FaultInjection = stage => { if (stage == FaultStage.Relinked) throw new InvalidOperationException("injected relink fault"); };
        var report = Edit(GamePath, "x * 2", "x * 7");
        Assert.That(report.Succeeded, Is.False);
        Assert.That(report.Errors[0], Does.Contain("nothing was applied").And.Contain("injected relink fault"));
        Assert.That(Game.Twice(1), Is.EqualTo(2));
        Session.FaultInjection = null;
        Assert.That(Edit(GamePath, "x * 2", "x * 7").Errors, Is.Empty);
        Assert.That(Game.Twice(1), Is.EqualTo(7));
    }

    [Test]
    public void WarmUp_DryRunsInTheApp_DetouringNothing_AndTheNextEditApplies()
    {
        Session.WarmUp();
        Assert.That(Agent.Applier.Detours, Is.Empty, "a dry run detours nothing");
        Assert.That(Game.Twice(4), Is.EqualTo(8));
        Assert.That(Edit(GamePath, "x * 2", "x * 6").Errors, Is.Empty);
        Assert.That(Game.Twice(4), Is.EqualTo(24));
    }

    [Test]
    public void WarmUpMore_WaitsWhileAnEditOfAnotherProjectOfTheAppIsBeingRead()
    {
        var app = new ProjectSessions();
        var model = ProjectModel.Load(typeof(Game).Assembly.Location);
        using var view = InProcessAgent.ViewOfThisProcess();
        var warming = new ReloadSession(model, view, Agent, app);
        var edited = new ReloadSession(model, view, Agent, app);
        warming.FindRecentFiles();
        var warmUp = new Thread(warming.WarmUpMore);
        using (edited.EditComing())
        {
            Assert.That(app.Edits.Any, Is.True, "an edit of one project holds the warm-up of every project of the app");
            warmUp.Start();
            Assert.That(warmUp.Join(500), Is.False, "the warm-up waits while the other project's edit is read");
        }
        Assert.That(app.Edits.Any, Is.False);
        Assert.That(warmUp.Join(60_000), Is.True, "the warm-up goes on once the edit is done");
    }

    [Test]
    public void WarmUpMore_RehearsesAnEdit_ApplyingNothing_AndTheNextEditAppliesOnlyWhatChanged()
    {
        Session.WarmUp();
        Session.WarmUpMore();
        Assert.That(Agent.Applier.Detours, Is.Empty, "the rehearsal's text is the same program: nothing to apply");
        Assert.That(Game.Twice(4), Is.EqualTo(8));
        var report = Edit(GamePath, "x * 2", "x * 6");
        Assert.That(report.Errors, Is.Empty);
        Assert.That(report.Members.Select(m => m.Member), Is.EqualTo(new[] { "Target.Game.Twice" }));
        Assert.That(Game.Twice(4), Is.EqualTo(24));
    }

    [Test]
    public void CompileAhead_AppliesNothing_AndTheEditWithTheSameTextUsesIt()
    {
        string text = File.ReadAllText(GamePath).Replace("x * 2", "x * 8");
        Session.CompileAhead(new Dictionary<string, string> { [GamePath] = text });
        Assert.That(Agent.Applier.Detours, Is.Empty, "compiled, not applied");
        Assert.That(Game.Twice(2), Is.EqualTo(4));
        var report = Session.Apply(new Dictionary<string, string> { [GamePath] = text });
        Assert.That(report.Errors, Is.Empty);
        Assert.That(report.Stages.Select(s => s.Stage), Does.Contain("compile (done ahead)").And.Not.Contain("compile"));
        Assert.That(Game.Twice(2), Is.EqualTo(16));
    }

    [Test]
    public void CompileAhead_OfAnotherText_IsNotUsed()
    {
        Session.CompileAhead(new Dictionary<string, string> { [GamePath] = File.ReadAllText(GamePath).Replace("x * 2", "x * 8") });
        var report = Edit(GamePath, "x * 2", "x * 9");
        Assert.That(report.Errors, Is.Empty);
        Assert.That(report.Stages.Select(s => s.Stage), Does.Contain("compile").And.Not.Contain("compile (done ahead)"));
        Assert.That(Game.Twice(2), Is.EqualTo(18));
    }
}
