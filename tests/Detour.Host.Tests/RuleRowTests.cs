using NUnit.Framework;
using Target;

namespace Detour.Host.Tests;

/// <summary>One or more tests per row of the update rules table, on real code before and after an edit.</summary>
[NonParallelizable]
public class RuleRowTests : SessionFixture
{
    static string AccountPath => Source("Account.cs");
    static string ConstantsPath => Source("Constants.cs");
    static string ConsumersPath => Source("Consumers.cs");
    static string ShapesPath => Source("Shapes.cs");

    [Test]
    public void PropertyAccessor_ChangedBody_IsPatched()
    {
        var account = new Account();
        var report = Edit(AccountPath, ("\"balance \" + Balance", "\"money \" + Balance"));
        AssertApplied(report);
        Assert.That(With(report, MemberStatus.Patched), Is.EqualTo(new[] { "Target.Account.get_Label" }));
        Assert.That(account.Label, Is.EqualTo("money 100"));
    }

    [Test]
    public void AddedProperty_GetsItsAccessorsAsAddedMethods()
    {
        var account = new Account();
        var report = Edit(AccountPath,
            ("public string Label => \"balance \" + Balance;", "public string Label => \"balance \" + Balance;\n    public int Doubled => Balance * 2;"),
            ("Format(Balance)", "Format(Doubled)"));
        AssertApplied(report);
        Assert.That(With(report, MemberStatus.Added), Does.Contain("Target.Account.get_Doubled"));
        Assert.That(account.Show(), Is.EqualTo("#200"));
        var added = report.Members.Single(m => m.Member == "Target.Account.get_Doubled");
        Assert.That(added.HiddenFromReflection, Is.True, "a public property a serializer would look for");
        Assert.That(added.Reason, Does.Contain("reflection on the running type does not list it"));
    }

    [Test]
    public void AddedPrivateHelper_IsNotReportedAsHiddenFromReflection()
    {
        var report = Edit(AccountPath, ("public int Fee() => 1;", "public int Fee() => One();\n    static int One() => 1;"));
        AssertApplied(report);
        var added = report.Members.Single(m => m.Status == MemberStatus.Added);
        Assert.That((added.Member, added.HiddenFromReflection), Is.EqualTo(("Target.Account.One", false)));
    }

    [Test]
    public void MethodTurnedIntoProperty_IsAnAddedAndARemovedMember_AndTheReportSaysSo()
    {
        var account = new Account();
        var report = Edit(AccountPath, ("public int Fee() => 1;", "public int Fee => 2;"), ("Format(Balance)", "Format(Balance - Fee)"));
        AssertApplied(report);
        var added = report.Members.Single(m => m.Member == "Target.Account.get_Fee");
        var removed = report.Members.Single(m => m.Member == "Target.Account.Fee");
        Assert.That(added.Status, Is.EqualTo(MemberStatus.Added));
        Assert.That(added.Reason, Does.Contain("method Fee() turned into a property"));
        Assert.That(removed.Status, Is.EqualTo(MemberStatus.Removed));
        Assert.That(removed.Reason, Does.Contain("turned into a property"));
        Assert.That(account.Show(), Is.EqualTo("#98"), "recompiled caller uses the property");
        Assert.That(account.Fee(), Is.EqualTo(1), "callers not recompiled keep the old method");
    }

    [Test]
    public void PropertyTurnedIntoMethod_IsReportedTheOtherWayRound()
    {
        var report = Edit(AccountPath, ("public string Label => \"balance \" + Balance;", "public string Label() => \"balance \" + Balance;"));
        AssertApplied(report);
        Assert.That(report.Members.Single(m => m.Member == "Target.Account.Label").Reason, Does.Contain("property Label turned into a method"));
        Assert.That(report.Members.Single(m => m.Member == "Target.Account.get_Label").Status, Is.EqualTo(MemberStatus.Removed));
    }

    [Test]
    public void EventHandlers_SubscribedBeforeTheEdit_RunTheNewBodies()
    {
        var account = new Account();
        account.WatchWithLambda();
        var report = Edit(AccountPath, ("LastSeen = value;", "LastSeen = value * 10;"), ("v => Seen = v", "v => Seen = v + 1000"));
        AssertApplied(report);
        account.Deposit(1);
        Assert.That(account.LastSeen, Is.EqualTo(1010), "method-group handler");
        Assert.That(account.Seen, Is.EqualTo(1101), "lambda handler");
    }

    [Test]
    public void ClosureShapeChanged_OldDelegatesKeepTheOldBody_NewOnesRunTheNew_AndTheReportSaysWhich()
    {
        var account = new Account();
        var before = account.Capture(1);
        var report = Edit(AccountPath, ("public Func<int> Capture(int a) => () => a + 1;", "public Func<int> Capture(int a) { int b = 10; return () => a + b; }"));
        AssertApplied(report);
        Assert.That(before(), Is.EqualTo(2), "created before the edit");
        Assert.That(account.Capture(1)(), Is.EqualTo(11), "created after the edit");
        Assert.That(report.Members.Any(m => m.Kind == MemberKind.Closure && m.Reason.Contains("captured variables differ") && m.Reason.Contains("(+b)") &&
                                            m.Reason.Contains("keep their old bodies")),
            string.Join("\n", report.Members));
    }

    [Test]
    public void LocalFunctionSharingReshapedVariables_IsNotPatched_NewCallsOfItsCallerRunAllNewCode_AndTheReportSaysWhy()
    {
        Assert.That(Frames.Run(3), Is.EqualTo("3 green"));
        var report = Edit(Source("Frames.cs"), ("var colors = new[] { \"red\", \"green\" };", "var colors = new List<string> { \"red\", \"green\", \"blue\" };"),
            ("colors.Length", "colors.Count"));
        AssertApplied(report);
        Assert.That(Frames.Run(3), Is.EqualTo("3 red"), "a new call of Run: the new variables and the new Draw");
        var draw = report.Members.Single(m => m.Member.Contains("Draw"));
        Assert.That((draw.Status, draw.RestartToSee), Is.EqualTo((MemberStatus.Skipped, true)));
        Assert.That(draw.Reason, Does.Contain("the local function Draw shares with Run changed (colors: String[] to List`1); a running Run holds them"));
        var again = Edit(Source("Frames.cs"), ("var colors = new[] { \"red\", \"green\" };", "var colors = new List<string> { \"red\", \"green\", \"blue\" };"),
            ("return $\"{frame} {colors[frame % colors.Length]}{extra}\";", "return $\"#{frame} {colors[frame % colors.Count]}{extra}\";"));
        AssertApplied(again);
        Assert.That(Frames.Run(3), Is.EqualTo("#3 red"), "a later edit of the same file applies");
    }

    [Test]
    public void AsyncMethod_SameStateMachine_InFlightCallsContinueInTheNewBodyAtTheirNextAwait()
    {
        var account = new Account();
        var gate = new TaskCompletionSource();
        var inFlight = account.AddLater(1, gate.Task);
        var report = Edit(AccountPath, ("return x + 1;", "return x + 100;"));
        AssertApplied(report);
        Assert.That(account.AddLater(1, Task.CompletedTask).Result, Is.EqualTo(101));
        gate.SetResult();
        Assert.That(inFlight.Result, Is.EqualTo(101), "the suspended call resumes in the new MoveNext");
        Assert.That(report.Members.Any(m => m.Kind == MemberKind.StateMachine && m.Status == MemberStatus.Patched), string.Join("\n", report.Members));
    }

    [Test]
    public void AsyncMethod_AwaitAdded_InFlightCallsFinishOnTheOld_AndTheReportSaysSo()
    {
        var account = new Account();
        var gate = new TaskCompletionSource();
        var inFlight = account.AddLater(1, gate.Task);
        var report = Edit(AccountPath, ("{ await gate; return x + 1; }", "{ await gate; await Task.Yield(); return x + 100; }"));
        AssertApplied(report);
        Assert.That(account.AddLater(1, Task.CompletedTask).Result, Is.EqualTo(101));
        gate.SetResult();
        Assert.That(inFlight.Result, Is.EqualTo(2), "a call suspended at an await the new body lacks stays on the old one");
        Assert.That(report.Members.Any(m => m.Kind == MemberKind.StateMachine && m.Status == MemberStatus.Skipped && m.RestartToSee),
            string.Join("\n", report.Members));
    }

    [Test]
    public void Iterator_SameStateMachine_EnumeratorsInFlightContinueInTheNewBody()
    {
        var account = new Account();
        using var inFlight = account.Evens(3).GetEnumerator();
        inFlight.MoveNext();
        var report = Edit(AccountPath, ("yield return i * 2;", "yield return i * 3;"));
        AssertApplied(report);
        Assert.That(account.Evens(3), Is.EqualTo(new[] { 0, 3, 6 }));
        inFlight.MoveNext();
        Assert.That(inFlight.Current, Is.EqualTo(3));
    }

    [Test]
    public void Rename_IsAnAddedMember_RecompiledCallersUseIt_OldCallersKeepTheOld()
    {
        var account = new Account();
        var report = Edit(AccountPath, ("public static string Format(int x) => \"#\" + x;", "public static string Render(int x) => \"No. \" + x;"), ("Format(Balance)", "Render(Balance)"));
        AssertApplied(report);
        Assert.That(With(report, MemberStatus.Added), Does.Contain("Target.Account.Render"));
        Assert.That(With(report, MemberStatus.Removed), Does.Contain("Target.Account.Format"));
        Assert.That(account.Show(), Is.EqualTo("No. 100"));
        Assert.That(Account.Format(5), Is.EqualTo("#5"));
    }

    [Test]
    public void SignatureChange_IsAnAddedOverload_OldSignatureKeepsWorking()
    {
        var account = new Account();
        var report = Edit(AccountPath, ("public static string Format(int x) => \"#\" + x;", "public static string Format(long x) => \"L\" + x;"));
        AssertApplied(report);
        Assert.That(report.Members.Where(m => m.Member == "Target.Account.Format").Select(m => m.Status),
            Is.EquivalentTo(new[] { MemberStatus.Added, MemberStatus.Removed }));
        Assert.That(account.Show(), Is.EqualTo("L100"), "Show was recompiled against the new signature");
        Assert.That(Account.Format(5), Is.EqualTo("#5"));
    }

    [Test]
    public void StaticReadonlyField_WithAChangedInitializer_GetsTheNewValue()
    {
        var report = Edit(AccountPath, ("Currency = \"EUR\"", "Currency = \"USD\""));
        AssertApplied(report);
        Assert.That(Account.Currency, Is.EqualTo("USD"));
    }

    [Test]
    public void ChangedInitializer_ReRunsOnlyThatInitializer_NotTheStaticConstructorBody()
    {
        var logBefore = Registry.Log.Count;
        Registry.Checked = 42;
        var report = Edit(ConsumersPath, ("Version = 1;", "Version = 2 + Checked;"));
        AssertApplied(report);
        Assert.That(Registry.Version, Is.EqualTo(44), "the new initializer sees the live value of Checked");
        Assert.That(Registry.Checked, Is.EqualTo(42), "an unchanged initializer is not re-run");
        Assert.That(Registry.Log.Count, Is.EqualTo(logBefore), "the static constructor body is not re-run");
    }

    [Test]
    public void ChangedStaticConstructorBody_IsNotReRun_AndTheReportSaysSo()
    {
        var report = Edit(ConsumersPath, ("Log.Add(\"static constructor ran\");", "Log.Add(\"edited\");"));
        AssertApplied(report);
        Assert.That(report.Members.Single(m => m.Kind == MemberKind.StaticConstructor).Reason, Does.Contain("not re-run"));
    }

    [Test]
    public void ThrowingStaticInitializer_RollsTheWholeEditBack()
    {
        int speed = Registry.Version;
        var report = Edit(ConsumersPath, ("Version = 1;", "Version = int.Parse(\"x\");"), ("Limits.Max * 2", "Limits.Max * 3"));
        Assert.That(report.Succeeded, Is.False);
        Assert.That(report.Errors[0], Does.Contain("rolled back"));
        Assert.That(Consumers.MaxTwice(), Is.EqualTo(20));
        Assert.That(Registry.Version, Is.EqualTo(speed));
    }

    [Test]
    public void ChangedConst_EnumMember_AndDefaultValue_RecompileTheFilesThatEmbedThem()
    {
        var report = Edit(ConstantsPath, ("Max = 10", "Max = 11"), ("High = 2", "High = 7"), ("int ceiling = 50", "int ceiling = 5"));
        AssertApplied(report);
        Assert.That(With(report, MemberStatus.Patched), Is.SupersetOf(new[] { "Target.Consumers.MaxTwice", "Target.Consumers.HighValue", "Target.Consumers.ClampDefault" }),
            "the file that embeds the values is compiled and patched too");
        Assert.That(Consumers.MaxTwice(), Is.EqualTo(22));
        Assert.That(Consumers.HighValue(), Is.EqualTo(7));
        Assert.That(Consumers.ClampDefault(30), Is.EqualTo(5));
    }

    [Test]
    public void RemovedMember_IsListed_AndCodeStillCallingItKeepsWorking()
    {
        var report = Edit(ConstantsPath, ("public static int Clamp(int x, int ceiling = 50) => Math.Min(x, ceiling);", ""));
        AssertApplied(report);
        Assert.That(With(report, MemberStatus.Removed), Is.EqualTo(new[] { "Target.Limits.Clamp" }));
        Assert.That(Consumers.ClampDefault(70), Is.EqualTo(50), "a caller that was not recompiled");
        var broken = report.Warnings.Single();
        Assert.That(broken, Does.Match(@"Consumers\.cs\(\d+,\d+\): error CS0117: 'Limits' does not contain a definition for 'Clamp'"));
        Assert.That(broken, Does.Contain("runs the old member until it is fixed"));
        Assert.That(Session.BrokenCallers, Is.EqualTo(new[] { broken }), "the status lists it");

        // The caller fixed: it compiles and applies, and is no longer listed.
        AssertApplied(Edit(ConsumersPath, ("Limits.Clamp(x)", "Math.Min(x, 50)")));
        Assert.That(Session.BrokenCallers, Is.Empty);
    }

    [Test]
    public void RemovedMemberNobodyElseUses_WarnsOfNothing()
    {
        var report = Edit(AccountPath, ("public int Fee() => 1;", ""));
        AssertApplied(report);
        Assert.That(With(report, MemberStatus.Removed), Is.EqualTo(new[] { "Target.Account.Fee" }));
        Assert.That(report.Warnings, Is.Empty);
    }

    [TestCase("public class Round : Shape", "public sealed class Round : Shape", "changing Round from a class to a sealed class needs a restart")]
    [TestCase("public class Round : Shape", "public sealed class Round : Shape, IMarker", "adding the interface IMarker to Round needs a restart")]
    [TestCase("public class Round : Shape\n{", "public sealed class Round : Shape, IDisposable\n{\n    public void Dispose() { }", "adding the interface IDisposable to Round needs a restart")]
    [TestCase("public class Round : Shape", "public abstract class Round : Shape", "changing Round from a class to an abstract class needs a restart")]
    [TestCase("public class Circle : Shape, IComparable<Circle>", "public class Circle : Round, IComparable<Circle>", "changing the base type of Circle needs a restart")]
    [TestCase("public class Circle : Shape, IComparable<Circle>", "public class Circle : Shape, IComparable<Circle>, IMarker", "adding the interface IMarker to Circle needs a restart")]
    [TestCase("public class Circle : Shape, IComparable<Circle>", "public class Circle : Shape", "removing the interface IComparable`1 from Circle needs a restart")]
    [TestCase("public double Radius = 1;", "public float Radius = 1;", "changing the type of the field Circle.Radius needs a restart")]
    [TestCase("public string Describe() => \"box of \" + Item;", "public string Describe() => \"a box of \" + Item;", "editing the generic type Box`1.Describe needs a restart")]
    [TestCase("public int Count;", "public int Count;\n    public long Extra;", "adding the instance field Counter.Extra to a struct changes its size")]
    [TestCase("public interface IMarker { }", "public interface IMarker { void Mark(); }", "adding the interface member IMarker.Mark needs a restart")]
    public void RudeEdits_AreRejectedWhole_WithTheirPlaceAndReason(string from, string to, string reason)
    {
        var square = new Square(2);
        var report = Edit(ShapesPath, (from, to), ("Side * Side", "Side * Side * 100"));
        Assert.That(report.Succeeded, Is.False);
        Assert.That(report.Errors, Has.Some.Match(@"Shapes\.cs\(\d+,\d+\): rude edit: " + System.Text.RegularExpressions.Regex.Escape(reason)), string.Join("\n", report.Errors));
        Assert.That(report.Members, Has.Some.Matches<MemberReport>(m => m.Status == MemberStatus.Failed && m.Reason.Contains(reason)));
        Assert.That(square.Area(), Is.EqualTo(4), "nothing of the edit was applied");
    }

    [Test]
    public void AddedInstanceMethod_IsCallableFromNewCode_AndStableAcrossEdits()
    {
        var account = new Account();
        string text = File.ReadAllText(AccountPath).Replace("public string Show() => Format(Balance);",
            "public string Show() => Format(Tripled());\n    int Tripled() => Balance * 3;");
        var first = Session.Apply(new Dictionary<string, string> { [AccountPath] = text });
        AssertApplied(first);
        Assert.That(With(first, MemberStatus.Added), Does.Contain("Target.Account.Tripled"));
        Assert.That(account.Show(), Is.EqualTo("#300"));
        var second = Session.Apply(new Dictionary<string, string> { [AccountPath] = text.Replace("Balance * 3", "Balance * 4") });
        AssertApplied(second);
        Assert.That(With(second, MemberStatus.Patched), Is.EqualTo(new[] { "Target.Account.Tripled" }), "the added method is patched like any other");
        Assert.That(account.Show(), Is.EqualTo("#400"));
    }

    [Test]
    public void AddedStaticField_IsInitialized_AndKeepsItsValueAcrossLaterEdits()
    {
        var account = new Account();
        string text = File.ReadAllText(AccountPath).Replace("public string Show() => Format(Balance);",
            "public string Show() => Format(Balance + ++_shows);\n    static int _shows = 10;");
        AssertApplied(Session.Apply(new Dictionary<string, string> { [AccountPath] = text }));
        Assert.That(account.Show(), Is.EqualTo("#111"));
        Assert.That(account.Show(), Is.EqualTo("#112"));
        AssertApplied(Session.Apply(new Dictionary<string, string> { [AccountPath] = text.Replace("Format(Balance + ++_shows)", "Format(Balance - ++_shows)") }));
        Assert.That(account.Show(), Is.EqualTo("#87"), "same field, value kept: 13th show");
        AssertApplied(Session.Apply(new Dictionary<string, string> { [AccountPath] = text.Replace("Format(Balance + ++_shows)", "Format(Balance - ++_shows)").Replace("_shows = 10", "_shows = 50") }));
        Assert.That(account.Show(), Is.EqualTo("#49"), "its initializer changed: re-initialized");
    }

    [Test]
    public void AddedType_IsUsableFromNewCode_AndStableAcrossEdits()
    {
        var account = new Account();
        string text = File.ReadAllText(AccountPath).Replace("public string Show() => Format(Balance);", "public string Show() => Stamp.Of(Balance);")
                      + "\npublic static class Stamp { public static string Of(int x) => \"[\" + x + \"]\"; }\n";
        var first = Session.Apply(new Dictionary<string, string> { [AccountPath] = text });
        AssertApplied(first);
        Assert.That(With(first, MemberStatus.Added), Does.Contain("Target.Stamp"));
        Assert.That(account.Show(), Is.EqualTo("[100]"));
        AssertApplied(Session.Apply(new Dictionary<string, string> { [AccountPath] = text.Replace("\"[\" + x", "\"<\" + x") }));
        Assert.That(account.Show(), Is.EqualTo("<100]"));
    }

    [Test]
    public void AddedAutoProperty_OfAClassApplies_HiddenFromReflection_OfAStructIsRude_AndSaysWhy()
    {
        var report = Edit(AccountPath, ("public int LastSeen;", "public int LastSeen;\n    public int Level { get; set; }"));
        AssertApplied(report);
        Assert.That(report.Members.Single(m => m.Member == "Target.Account.Level").HiddenFromReflection, Is.True);
        var rude = Edit(Source("Creature.cs"), ("public int X;", "public int X;\n    public int Z { get; set; }"));
        Assert.That(rude.Errors, Has.Some.Contains("rude edit: adding the auto-property Spot.Z to a struct adds a field, which changes its size"));
    }

    [Test]
    public void ChangedBodies_OfConstructorInterfaceMethodIndexerOperatorAndLocalFunction_ArePatched()
    {
        IGreeter greeter = new Kinds();
        var report = Edit(Source("Kinds.cs"), ("Made = 1;", "Made = 10;"), ("=> \"hi\"", "=> \"hello\""), ("=> i * 2", "=> i * 3"),
            ("a.Made + b.Made", "a.Made + b.Made + 100"), ("=> y * 2", "=> y * 5"));
        AssertApplied(report);
        Assert.That(With(report, MemberStatus.Patched), Is.EquivalentTo(new[]
            { "Target.Kinds..ctor", "Target.Kinds.Greet", "Target.Kinds.get_Item", "Target.Kinds.op_Addition",
              "Target.Kinds.<WithLocal>g__Twice|6_0", "Target.Kinds.WithLocal" }), "a local function is part of its method's source");
        var made = new Kinds();
        Assert.That(made.Made, Is.EqualTo(10), "constructor");
        Assert.That(greeter.Greet(), Is.EqualTo("hello"), "interface method, called through the interface on an old instance");
        Assert.That(made[2], Is.EqualTo(6), "indexer");
        Assert.That((made + made).Made, Is.EqualTo(120), "operator");
        Assert.That(made.WithLocal(2), Is.EqualTo(10), "local function");
    }

    [Test]
    public void LambdaInsertedBeforeAnother_OldDelegatesKeepTheirOwnBody_NotTheNewcomers()
    {
        var game = new Game();
        var adder = game.MakeAdder();
        // The compiler numbers lambdas in order: the inserted one takes the number the old one had.
        var report = Edit(Source("Game.cs"), ("public Func<int, int> MakeAdder() => x => x + 1;",
            "public Func<int, int> MakeAdder() { Func<int, int> minus = x => x - 5; return x => minus(x) + 6; }"));
        AssertApplied(report);
        Assert.That(adder(1), Is.EqualTo(2), "a delegate made before the edit runs its own lambda");
        Assert.That(game.MakeAdder()(1), Is.EqualTo(2), "new code: (1 - 5) + 6");
        Assert.That(report.Members.Any(m => m.Kind == MemberKind.Closure && m.Reason.Contains("<MakeAdder>b__") && m.Reason.Contains("was removed")),
            string.Join("\n", report.Members));
    }

    [Test]
    public void FlagsAddedToAnEnum_IsAnAttributeOnlyEditOfTheType_ThatSaysItNeedsARestart()
    {
        var report = Edit(ConstantsPath, ("public enum Level", "[Flags]\npublic enum Level"));
        AssertApplied(report);
        var skipped = report.Members.Single(m => m.Status == MemberStatus.Skipped);
        Assert.That((skipped.Member, skipped.Kind, skipped.RestartToSee), Is.EqualTo(("Target.Level", MemberKind.Type, true)));
        Assert.That(skipped.Reason, Does.Contain("only its attributes changed"));
    }

    [Test]
    public void AttributeOnlyEdit_PatchesNothing_AndSaysTheAttributesNeedARestart()
    {
        var report = Edit(AccountPath, ("    public static string Format(int x)", "    [Obsolete(\"use Show\")]\n    public static string Format(int x)"));
        AssertApplied(report);
        Assert.That(With(report, MemberStatus.Patched), Is.Empty);
        var skipped = report.Members.Single(m => m.Status == MemberStatus.Skipped);
        Assert.That(skipped.Member, Is.EqualTo("Target.Account.Format"));
        Assert.That(skipped.Reason, Does.Contain("only its attributes changed"));
    }

    [Test]
    public void FieldMarkedKeepValueOnReload_KeepsItsValue_WhenItsInitializerChanges()
    {
        Settings.Volume = 9;
        Settings.Brightness = 9;
        var report = Edit(ConsumersPath, ("Volume = 5;", "Volume = 1;"), ("Brightness = 5;", "Brightness = 1;"));
        AssertApplied(report);
        Assert.That(Settings.Volume, Is.EqualTo(9), "opted out");
        Assert.That(Settings.Brightness, Is.EqualTo(1), "re-initialized");
        Assert.That(report.Members.Single(m => m.Member == "Target.Settings.Volume").Reason, Does.Contain("[KeepValueOnReload] keeps the current value"));
    }

    [Test]
    public void PartialType_EditedInOneFile_CompilesWithItsOtherParts()
    {
        var parts = new Parts();
        var report = Edit(Source("PartsA.cs"), ("public int A() => 1;", "public int A() => 2 + Offset;"));
        AssertApplied(report);
        Assert.That(With(report, MemberStatus.Patched), Is.EqualTo(new[] { "Target.Parts.A" }), "the other part's members are not removed or patched");
        Assert.That(parts.A(), Is.EqualTo(12), "uses a field declared in the other part");
        Assert.That(parts.B(), Is.EqualTo(22));
    }

    /// <summary>Saves Lab.cs once per step (the class body, then <paramref name="rest"/> of the file) and checks
    /// what Lab.Run() returns after each.</summary>
    void ApplyLabSteps((string Body, string Expected)[] steps, string rest)
    {
        string path = Source("Lab.cs");
        foreach (var (body, expected) in steps)
        {
            string text = "namespace Target;\n\npublic static class Lab\n{\n    " + body + "\n}\n" + rest;
            var report = Session.Apply(new Dictionary<string, string> { [path] = text });
            Assert.That(report.Errors, Is.Empty, $"{expected}: {string.Join("\n", report.Errors)}");
            Assert.That(Lab.Run(), Is.EqualTo(expected));
        }
    }

    /// <summary>Ordinary C# a user writes while the app runs, one save after another: each builds on the types
    /// and members the saves before it added (records, enums, generic helpers, static auto-properties, ...).</summary>
    [Test]
    public void SuccessiveEdits_WithCommonLanguageFeatures_AllApply()
    {
        const string tail = "\npublic record Pair(string A, string B) { public string Join() => A + B; }\n" +
                            "public static class Ext { public static string Shout(this string s) => s.ToUpper(); }\n";
        var steps = new (string Body, string Expected)[]
        {
            ("public static string Run() { var b = new System.Text.StringBuilder(); b.Append(\"sb\"); return b.ToString(); }", "sb"),
            ("public static string Run() => new Pair(\"re\", \"cord\").Join();", "record"),
            ("public static int Count { get; set; } = 3;\n    public static string Run() => \"count\" + Count;", "count3"),
            ("enum Mood { Happy, Sad }\n    public static string Run() => Pick(Mood.Sad) switch { Mood.Sad => \"sad\", _ => \"x\" };\n    static T Pick<T>(T x) => x;", "sad"),
            ("enum Mood { Happy, Sad }\n    public static string Run() => string.Concat(new[] { 3, 1, 2 }.OrderBy(x => x)) + Mood.Happy.ToString().Shout() + Pick(1);\n    static T Pick<T>(T x) => x;", "123HAPPY1"),
            ("public static string Run() => Later().Result + new Point(2, 3).Sum();\n    static async Task<string> Later() { await Task.Yield(); return \"async\"; }", "async5"),
            ("public static string Run() => Outer.Inner.Say();\n    class Outer { public class Inner { public static string Say() => \"nested\"; } }", "nested"),
        };
        ApplyLabSteps(steps, tail + "public struct Point { public int X, Y; public Point(int x, int y) { X = x; Y = y; } public int Sum() => X + Y; }\n");
    }

    /// <summary>A second series: string switches, array data, spans, exception filters, tuples, local functions,
    /// raw strings and consts, an instance class added and used, static readonly arrays.</summary>
    [Test]
    public void SuccessiveEdits_WithMoreLanguageFeatures_AllApply()
    {
        const string tail = "\npublic class Counter2 { public int Value; public void Bump() => Value++; public string Describe() => \"!\"; }\n";
        var steps = new (string Body, string Expected)[]
        {
            ("public static string Run() { switch (Pick(\"gamma\")) { case \"alpha\": return \"a\"; case \"beta\": return \"b\"; case \"gamma\": return \"g\"; case \"delta\": return \"d\"; case \"epsilon\": return \"e\"; case \"zeta\": return \"z\"; case \"eta\": return \"h\"; default: return \"?\"; } }\n    static string Pick(string s) => s;", "g"),
            ("public static string Run() { int[] data = { 5, 6, 7, 8, 9, 10, 11, 12 }; return data.Sum().ToString(); }", "68"),
            ("public static string Run() { Span<int> s = stackalloc int[4]; for (int i = 0; i < 4; i++) s[i] = i; int t = 0; foreach (var v in s) t += v; return \"span\" + t; }", "span6"),
            ("public static string Run() { try { throw new InvalidOperationException(\"x\"); } catch (InvalidOperationException e) when (e.Message == \"x\") { return \"caught\"; } }", "caught"),
            ("public static string Run() { var (a, b) = Split(); object o = a; return o is int n && n > 1 ? $\"tuple{n}{b}\" : \"no\"; }\n    static (int, string) Split() => (2, \"z\");", "tuple2z"),
            ("public static string Run() { int k = 4; int Twice() => k * 2; return $\"local{Twice()}\"; }", "local8"),
            ("public static string Run() => $\"\"\"raw{Limit}\"\"\";\n    const int Limit = 9;", "raw9"),
            ("public static string Run() { var c = new Counter2(); c.Bump(); c.Bump(); return \"inst\" + c.Value + c.Describe(); }", "inst2!"),
            ("public static string Run() { var c = new Counter2(); Action a = () => c.Bump(); a(); a(); a(); return \"lam\" + c.Value; }", "lam3"),
            ("public static string Run() => \"arr\" + Table.Length + Table[2];\n    static readonly int[] Table = { 4, 5, 6 };", "arr36")
        };
        ApplyLabSteps(steps, tail);
    }

    /// <summary>New code using live types in generic instantiations, arrays, nullable structs, ref and out.</summary>
    [Test]
    public void SuccessiveEdits_UsingLiveTypesInGenericsRefAndOut_AllApply()
    {
        var steps = new (string Body, string Expected)[]
        {
            ("public static string Run() { var list = new List<Account> { new Account(), new Account() }; return \"list\" + list.Sum(a => a.Balance); }", "list200"),
            ("public static string Run() { Shape[] shapes = { new Square(2), new Circle() }; return \"area\" + shapes.Select(s => s.Area()).Sum(); }", "area7"),
            ("public static string Run() { Counter? c = new Counter(); var d = c.Value; Step(ref d); return \"nullable\" + d.Count; }\n    static void Step(ref Counter c) => c.Step();", "nullable1"),
            ("public static string Run() { Func<Account, int> f = a => a.Balance * 2; return \"func\" + f(new Account()); }", "func200"),
            ("public static string Run() => \"task\" + Make().Result.Balance;\n    static async Task<Account> Make() { await Task.Yield(); return new Account { Balance = 7 }; }", "task7"),
            ("public static string Run() { var d = new Dictionary<string, Game> { [\"g\"] = new Game() }; d[\"g\"].Score = 4; return \"dict\" + d[\"g\"].Tick(); }", "dict7"),
            ("public static string Run() => TryGet(out var g) ? \"out\" + g.Greet(\"x\") : \"no\";\n    static bool TryGet(out Game g) { g = new Game(); return true; }", "outhello x")
        };
        Game.Speed = 3;
        ApplyLabSteps(steps, "");
    }

    [Test]
    public void EditedFile_SeesTheProjectsGlobalUsings_FromOtherFiles()
    {
        var report = Edit(Source("Lab.cs"), ("public static string Run() => \"start\";",
            "public static string Run() { Money m = 2.5m; return new StringBuilder(\"usings\").Append(m).ToString(); }"));
        AssertApplied(report);
        Assert.That(Lab.Run(), Is.EqualTo("usings2.5"));
    }

    [Test]
    public void FileCompletedByASourceGenerator_Compiles_WithTheGeneratorsOutput()
    {
        Assert.That(Patterns.CountRuns("aa-b-aaa"), Is.EqualTo(2));
        var report = Edit(Source("Patterns.cs"), ("Letters().Matches(s).Count;", "Letters().Matches(s).Count * 10;"), ("\"a+\"", "\"b+\""));
        AssertApplied(report);
        Assert.That(Patterns.CountRuns("aa-b-aaa"), Is.EqualTo(10), "the new body with the regenerated pattern");
    }

    [Test]
    public void ModernShapes_PrimaryConstructorRecordDefaultInterfaceMethodReadonlyStruct_ArePatched()
    {
        var wallet = new Wallet(10);
        var person = new Person("ann", 30);
        IShout shouter = new Shouter();
        var meters = new Meters(2);
        var report = Edit(Source("Modern.cs"),
            ("public int Total => start + 1;", "public int Total => start + 100;"),
            ("\"hi \" + Name", "\"hello \" + Name + Age"),
            ("Word.ToUpper();", "Word.ToUpper() + \"!\";"),
            ("new(Value * 2)", "new(Value * 3)"),
            ("Value + other.Value", "Value - other.Value"));
        AssertApplied(report);
        Assert.That(wallet.Total, Is.EqualTo(110), "primary constructor parameter captured in a field");
        Assert.That(person.Greeting(), Is.EqualTo("hello ann30"), "record method");
        Assert.That(shouter.Shout(), Is.EqualTo("HEY!"), "default interface method");
        Assert.That(meters.Twice().Value, Is.EqualTo(6), "readonly struct method returning the struct");
        Assert.That(meters.In(new Meters(1)), Is.EqualTo(1), "in parameter");
        Assert.That(person with { Age = 31 }, Is.EqualTo(new Person("ann", 31)), "the record's generated members are untouched");
    }

    [Test]
    public void ObjectOverrides_ExplicitInterfaceImplementation_AndConversionOperator_ArePatched()
    {
        var token = new Token();
        object boxed = token;
        var report = Edit(Source("Modern.cs"),
            ("\"token\" + Id", "\"tok#\" + Id"),
            ("public override int GetHashCode() => Id;", "public override int GetHashCode() => Id + 1000;"),
            ("other?.Id == Id", "other is not null"),
            ("Disposed = true;", "Disposed = Id > 0;"),
            ("public static implicit operator int(Token t) => t.Id;", "public static implicit operator int(Token t) => t.Id * 7;"));
        AssertApplied(report);
        Assert.That(boxed.ToString(), Is.EqualTo("tok#1"), "ToString through object");
        Assert.That($"{token}", Is.EqualTo("tok#1"), "ToString from string formatting");
        Assert.That(boxed.GetHashCode(), Is.EqualTo(1001));
        Assert.That(token.Equals(new Token { Id = 5 }), Is.True, "IEquatable<T>.Equals");
        ((IDisposable)token).Dispose();
        Assert.That(token.Disposed, Is.True, "explicit interface implementation");
        int converted = token;
        Assert.That(converted, Is.EqualTo(7), "conversion operator");
    }

    [Test]
    public void AsyncIterator_AsyncLambda_StaticLocalFunction_AndNestedType_ArePatched()
    {
        var streams = new Streams();
        var asyncLambda = streams.MakeAsync();
        var report = Edit(Source("Modern.cs"),
            ("yield return i;", "yield return i * 10;"),
            ("return 5; };", "return 50; };"),
            ("static int Square(int y) => y * y;", "static int Square(int y) => y * y * y;"),
            ("public int Depth() => 1;", "public int Depth() => 2;"));
        AssertApplied(report);
        Assert.That(Collect(streams.Numbers(3)).Result, Is.EqualTo(new[] { 0, 10, 20 }), "async iterator");
        Assert.That(asyncLambda().Result, Is.EqualTo(50), "async lambda made before the edit");
        Assert.That(streams.WithStaticLocal(2), Is.EqualTo(8), "static local function");
        Assert.That(new Streams.Inner().Depth(), Is.EqualTo(2), "nested type");

        static async Task<List<int>> Collect(IAsyncEnumerable<int> items)
        {
            var all = new List<int>();
            await foreach (var item in items) all.Add(item);
            return all;
        }
    }

    /// <summary>A third series: dynamic, record structs, custom event accessors, checked arithmetic, goto, live instances.</summary>
    [Test]
    public void SuccessiveEdits_WithDynamicRecordStructsEventsAndCheckedCode_AllApply()
    {
        const string rest = "\npublic record struct RPoint(int X, int Y);\n" +
                            "public class Hub\n{\n    Action<int>? _ping;\n    public int Subscribers;\n" +
                            "    public event Action<int> Ping { add { _ping += value; Subscribers++; } remove { _ping -= value; Subscribers--; } }\n" +
                            "    public void Fire(int v) => _ping?.Invoke(v);\n}\n";
        ApplyLabSteps(new (string Body, string Expected)[]
        {
            ("public static string Run() { dynamic d = new Account(); return \"dyn\" + d.Balance; }", "dyn100"),
            ("public static string Run() { var p = new RPoint(1, 2); var q = p with { Y = 5 }; return \"rs\" + (q.X + q.Y) + (p == new RPoint(1, 2)); }", "rs6True"),
            ("public static string Run() { var h = new Hub(); int seen = 0; h.Ping += v => seen += v; h.Fire(4); h.Fire(5); return \"ev\" + seen + h.Subscribers; }", "ev91"),
            ("public static string Run() { try { return \"chk\" + checked(int.MaxValue + Offset()); } catch (OverflowException) { return \"overflow\"; } }\n    static int Offset() => 1;", "overflow"),
            ("public static string Run() { int i = 0; loop: i++; if (i < 3) goto loop; return \"goto\" + i; }", "goto3"),
            ("public static string Run() { var acct = new Account(); acct.Deposit(5); return \"acct\" + acct.Balance + acct.LastSeen; }", "acct105105")
        }, rest);
    }

    [Test]
    public void MultiDimensionalArrayFields_AndClosuresCapturingThem_ArePatched()
    {
        string board = Source("Board.cs");
        var b = new Board();
        Assert.That(b.Mark(1, 1), Is.EqualTo(3));
        Assert.That(Board.Sum(), Is.EqualTo(5));
        var report = Edit(board, ("return Grid[x, y] + _rows[0][1];", "return Grid[x, y] * 10 + _rows[0][1] + _cells.Length;"),
                                 ("map[0, 0] + map[1, 1]", "map[0, 1] + map[1, 0] + 100"));
        AssertApplied(report);
        Assert.That(b.Mark(1, 1), Is.EqualTo(16), "a method reading int[,], char[,] and int[][] fields");
        Assert.That(Board.Sum(), Is.EqualTo(105), "a lambda whose closure captures an int[,]");
        AssertApplied(Edit(board, ("return Grid[x, y] + _rows[0][1];", "return Grid[x, y] * 20 + _rows[0][1];")));
        Assert.That(b.Mark(0, 0), Is.EqualTo(22), "and a second edit");
    }

    [Test]
    public void ArraysOfTheAppsOwnTypes_MultiDimensionalAndJagged_InFieldsAndClosures_ArePatched()
    {
        string board = Source("Board.cs");
        var b = new Board();
        Assert.That(b.Score(), Is.EqualTo(13));
        var report = Edit(board, ("? 10 : 0)", "? 20 : 0)"));
        AssertApplied(report);
        Assert.That(b.Score(), Is.EqualTo(23), "a Tile[,] static field, a Tile[][] field and a closure capturing a Tile[,]");
        AssertApplied(Edit(board, ("? 10 : 0)", "? 30 : 0)")));
        Assert.That(b.Score(), Is.EqualTo(33), "and a second edit");
    }
    [Test]
    public void FileUsingAnotherClassesEvents_AndMembersWhoseCompiledNamesClash_IsPatched()
    {
        string listenerPath = Source("Listener.cs");
        var bus = new Bus(1);
        var listener = new Listener();
        listener.Attach(bus);
        bus.Fire(2);
        Assert.That((listener.Heard, listener.LastAnnouncement), Is.EqualTo((3, "fired 2")));
        Assert.That(Listener.Probe(bus, new Hailer()), Is.EqualTo("2/1/explicit/public"));

        var report = Edit(listenerPath, ("Heard += value;", "Heard += value * 10;"), ("LastAnnouncement = text;", "LastAnnouncement = \"heard \" + text;"),
            ("$\"{bus.Total}/", "$\"total {bus.Total}/"));
        AssertApplied(report);
        bus.Fire(2);
        Assert.That((listener.Heard, listener.LastAnnouncement), Is.EqualTo((33, "heard fired 2")), "handlers subscribed before the edit");
        Assert.That(Listener.Probe(bus, new Hailer()), Is.EqualTo("total 4/1/explicit/public"), "auto-property, primary-constructor parameter, explicit implementation");

        report = Edit(listenerPath, ("Heard += value;", "Heard += value * 100;"), ("bus.Fired -= OnFired;", "bus.Fired -= OnFired;\n        Heard = -1;"));
        AssertApplied(report);
        listener.Detach(bus);
        Assert.That(bus.Subscribers, Is.Zero, "-= on the event, from edited code");
        bus.Fire(5);
        Assert.That(listener.Heard, Is.EqualTo(-1), "and a second edit");
    }

    [Test]
    public void UpdateHandlers_HearClearCacheThenUpdateApplication_WithTheUpdatedTypes_AndOneThatThrowsLeavesTheEditApplied()
    {
        var account = new Account();
        UpdateLog.Calls.Clear();
        UpdateLog.Throw = false;
        var report = Edit(AccountPath, ("\"balance \" + Balance", "\"money \" + Balance"));
        AssertApplied(report);
        Assert.That(UpdateLog.Calls, Is.EqualTo(new[] { "ClearCache Target.Account", "UpdateApplication Target.Account" }));
        Assert.That(report.Warnings, Is.Empty);

        UpdateLog.Calls.Clear();
        UpdateLog.Throw = true;
        try
        {
            report = Edit(AccountPath, ("\"balance \" + Balance", "\"cash \" + Balance"), ("public int Fee() => 1;", "public int Fee() => 1;\n    public static int Added() => 7;"));
        }
        finally { UpdateLog.Throw = false; }
        AssertApplied(report);
        Assert.That(account.Label, Is.EqualTo("cash 100"), "the edit stays applied");
        Assert.That(report.Warnings.Single(), Does.Contain("Target.UpdateLog.UpdateApplication threw InvalidOperationException: handler failed on purpose"));
        Assert.That(UpdateLog.Calls, Is.EqualTo(new[] { "ClearCache Target.Account", "UpdateApplication Target.Account" }), "an added member's type, once");
    }

    [Test]
    public void UpdateHandler_ThatFailsLaterInAnAsyncVoidMethod_IsReported_AndTheAppRunsOn()
    {
        var account = new Account();
        UpdateLog.ThrowLater = true;
        try
        {
            AssertApplied(Edit(AccountPath, ("\"balance \" + Balance", "\"later \" + Balance")));
            // On the thread pool the exception would end this process; the agent's context catches and says it.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!InProcessAgent.Said.Any(l => l.Contains("ID 0")) && clock.Elapsed.TotalSeconds < 10) Thread.Sleep(10);
        }
        finally { UpdateLog.ThrowLater = false; }
        Assert.That(InProcessAgent.Said.Where(l => l.Contains("ID 0")).ToList(), Is.EqualTo(new[]
        {
            "warning: update handler Target.UpdateLog.UpdateApplication failed after the edit applied (ArgumentException: " +
            "The renderer does not have a component with ID 0.); the app runs on",
        }));
        Assert.That(account.Label, Is.EqualTo("later 100"));
    }

    [Test]
    public void LambdaAddedBesideRegisteredHandlers_LaterEditsOfThoseHandlersStillApply()
    {
        string routes = RoutesMappedAtStartup();
        Assert.That(Routes.Serve(), Is.EqualTo("a,pb"));
        var report = Edit(routes, ("        Handlers.Add(() => prefix + \"b\");", "        Handlers.Add(() => prefix + \"b\");\n        Handlers.Add(() => \"c\");"));
        AssertApplied(report);
        TestContext.Out.WriteLine(string.Join("\n", report.Members.Select(m => $"{m.Status} {m.Member}: {m.Reason}")));
        Assert.That(Routes.Serve(), Is.EqualTo("a,pb"), "the handlers made at startup");
        report = Edit(routes, ("        Handlers.Add(() => prefix + \"b\");", "        Handlers.Add(() => prefix + \"b\");\n        Handlers.Add(() => \"c\");"), ("() => \"a\"", "() => \"A\""),
            ("prefix + \"b\"", "prefix + \"B\""));
        AssertApplied(report);
        TestContext.Out.WriteLine(string.Join("\n", report.Members.Select(m => $"{m.Status} {m.Member}: {m.Reason}")));
        Assert.That(Routes.Serve(), Is.EqualTo("A,pB"), "an edit of the handlers that existed, after the lambda was added");
        Assert.That(Session.OutOfDate, Is.Empty, "a lambda appended after the others shifts none");
    }

    [Test]
    public void LambdaCapturingANewVariable_OldHandlersOfThatClosure_AreReportedOutOfDate_AtEveryLaterEdit_AndInTheStatus()
    {
        string routes = RoutesMappedAtStartup();
        const string added = "        Handlers.Add(() => prefix + \"b\");\n        var suffix = \"!\";\n        Handlers.Add(() => suffix);";
        var report = Edit(routes, ("        Handlers.Add(() => prefix + \"b\");", added));
        AssertApplied(report);
        TestContext.Out.WriteLine(string.Join("\n", report.Members.Select(m => $"{m.Status} {m.Member}: {m.Reason}")));
        report = Edit(routes, ("        Handlers.Add(() => prefix + \"b\");", added), ("() => \"a\"", "() => \"A\""), ("prefix + \"b\"", "prefix + \"B\""));
        AssertApplied(report);
        TestContext.Out.WriteLine(string.Join("\n", report.Members.Select(m => $"{m.Status} {m.Member}: {m.Reason}")));
        Assert.That(Routes.Serve(), Is.EqualTo("A,pb"), "the non-capturing handler follows; the closure's cannot");
        var stale = report.Members.Single(m => m.Kind == MemberKind.Closure);
        Assert.That(stale.Reason, Does.StartWith("out of date until a restart").And.Contain("(+suffix)").And.Contain("<Map>b__1"),
            "the second edit changed no capture, and says why the handler is still out of date");
        Assert.That(Session.OutOfDate.Select(o => o.Member), Is.EqualTo(new[] { stale.Member }), "the status lists it");
    }

    [Test]
    public void LambdaInsertedBeforeRegisteredHandlers_TheHandlersFollowTheirOwnLambdas_ThroughLaterEditsAndTheRemoval()
    {
        string routes = RoutesMappedAtStartup();
        Assert.That(Routes.Serve(), Is.EqualTo("a,pb"), "the handlers made at startup");
        const string inserted = "        System.Func<string> first = () => \"new\";\n        Handlers.Add(() => \"a\");";
        // The newcomer takes the first lambda's number; matching by syntax keeps each handler on its own lambda.
        var report = Edit(routes, ("        Handlers.Add(() => \"a\");", inserted), ("() => \"a\"", "() => \"A\""));
        AssertApplied(report);
        Assert.That(Routes.Serve(), Is.EqualTo("A,pb"), "the edit that inserted a lambda also reached the handler after it");
        report = Edit(routes, ("        Handlers.Add(() => \"a\");", inserted), ("() => \"a\"", "() => \"A\""), ("() => \"new\"", "() => \"newer\""),
            ("prefix + \"b\"", "prefix + \"B\""));
        AssertApplied(report);
        Assert.That(Routes.Serve(), Is.EqualTo("A,pB"), "a second edit reaches both handlers, the capturing one too, and not the newcomer");
        report = Edit(routes, ("() => \"a\"", "() => \"AA\""), ("prefix + \"b\"", "prefix + \"B\""));
        AssertApplied(report);
        Assert.That(Routes.Serve(), Is.EqualTo("AA,pB"), "removing the newcomer again shifts the names back; the handlers still follow, at once");
        Assert.That(report.Members.Where(m => m.Kind == MemberKind.Closure).Select(m => m.Reason),
            Has.Exactly(1).Items.And.All.Contains("was removed").And.All.Contains("<Map>b__1_"), "the removed newcomer is the one lambda reported");
        Assert.That(Session.OutOfDate.Select(o => o.Reason), Has.All.Contains("was removed"), "no handler is out of date");
    }

    [Test]
    public void MethodInsertedAboveTheHandlersMethod_BothHandlersFollowTheirLambdas_TheCapturingOneToo()
    {
        string routes = RoutesMappedAtStartup();
        // A method above Map moves Map's ordinal, which names its closures: <>c__DisplayClass1_0 becomes ..2_0.
        const string above = "    public static string Other() => \"o\";\n\n    public static void Map(string prefix)";
        var report = Edit(routes, ("    public static void Map(string prefix)", above), ("() => \"a\"", "() => \"A\""), ("prefix + \"b\"", "prefix + \"B\""));
        AssertApplied(report);
        TestContext.Out.WriteLine(string.Join("\n", report.Members.Select(m => $"{m.Status} {m.Member}: {m.Reason}")));
        Assert.That(Routes.Serve(), Is.EqualTo("A,pB"), "both handlers made at startup run their lambdas' new bodies");
        Assert.That(Session.OutOfDate, Is.Empty, string.Join("\n", Session.OutOfDate));
    }

    /// <summary>Routes.cs, with its handlers registered afresh as a minimal API does at startup.</summary>
    static string RoutesMappedAtStartup()
    {
        Routes.Handlers.Clear();
        Routes.Map("p");
        return Source("Routes.cs");
    }
}
