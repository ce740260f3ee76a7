using System.Diagnostics;
using System.Text;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>The edit fuzzer: a running app under the installed tool takes randomly chosen edits of two of its files,
/// good and bad. After each step the app must be alive, each bad edit must get a line naming its file, and the app's
/// output must be exactly what the last good text of both files says. DETOUR_FUZZ_EDITS sets the count (CI: 50),
/// DETOUR_FUZZ_SEED the seed; the latencies of the good edits are printed. Every bad text differs from the ones before:
/// a failed text saved again unchanged is not reported again.</summary>
[Parallelizable(ParallelScope.Self)]
public class FuzzTests
{
    string _dir = null!;
    RunningApp _app = null!;

    [SetUp]
    public void CopyApps() => _dir = Installed.CopyApps("fuzz", "Plain", "Lib");

    [TearDown]
    public void KillApp() => _app?.Dispose();

    string Plain(string file) => Path.Combine(_dir, "Plain", file);

    static string GreeterText(string word, string padding = "") =>
        $"{padding}public static class Greeter\n{{\n    public static string Greeting() => \"{word}\";\n}}\n";

    static string ExtraText(string word) => $"public static class Extra\n{{\n    public static string Mark() => \"{word}\";\n}}\n";

    [Test]
    public void RandomEdits_NeverKillTheApp_BadOnesAreReported_AndTheAppRunsTheLastGoodText()
    {
        int edits = int.TryParse(Environment.GetEnvironmentVariable("DETOUR_FUZZ_EDITS"), out var n) ? n : 50;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("DETOUR_FUZZ_SEED"), out var s) ? s : Environment.TickCount;
        TestContext.Out.WriteLine($"fuzz: {edits} edits, seed {seed} (DETOUR_FUZZ_SEED={seed} repeats this run)");
        var random = new Random(seed);
        string greeter = Plain("Greeter.cs"), extra = Plain("Extra.cs");
        string greeting = "hello", mark = "m1";
        _app = RunningApp.Tool(Path.Combine(_dir, "Plain"));
        _app.WaitFor(l => l.StartsWith("tick ") && l.Contains("hello m1"), "the first tick", seconds: 180);
        // No wait for the host: an early edit is a save the host may see before its sessions open (seed 16556636 emptied
        // a file then, which was reported as "no code change" until the build's PDB told the host what the file held).
        // Without the native engine, a file saved broken before the host read the sources is the runtime's baseline:
        // every runtime update fails, naming it, until it is fixed (docs/limits.md; seed 47220473). Wait for the host there.
        if (Installed.EngineOff) _app.WaitFor(l => l.Contains("detour: watching Plain.csproj"), "the host's sessions, open", seconds: 180);

        var latencies = new List<double>();
        var counts = new Dictionary<string, int>();
        int reported = 0;
        for (int i = 1; i <= edits; i++)
        {
            string word = $"w{i}";
            var kinds = new (string Name, Action Step)[]
            {
                ("body", () => { Write(greeter, GreeterText(word)); greeting = word; }),
                ("two files at once", () => { Write(greeter, GreeterText(word)); Write(extra, ExtraText("x" + word)); greeting = word; mark = "x" + word; }),
                ("syntax error", () => { Write(greeter, GreeterText(word).Replace(";", " +;")); ExpectReport("Greeter.cs", "error CS"); }),
                ("type error", () => { Write(extra, ExtraText(word).Replace($"\"{word}\"", "42") + $"// {word}\n"); ExpectReport("Extra.cs", "error CS0029"); }),
                ("rude", () =>
                {
                    Write(greeter, GreeterText(word).Replace("public static class Greeter", "public class Greeter : System.IDisposable").Replace("}\n", "    public void Dispose() { }\n}\n"));
                    ExpectReport("Greeter.cs", "rude edit: adding the interface");
                }),
                ("half-written", () => { WriteInTwoHalves(greeter, GreeterText(word)); greeting = word; }),
                ("binary", () => { File.WriteAllBytes(extra, RandomBytes(random, 2048)); ExpectReport("Extra.cs", "not C# text"); }),
                ("not UTF-8", () => { File.WriteAllBytes(greeter, [.. Encoding.Latin1.GetBytes("// caf\u00e9 \u00e0 la cr\u00e8me\n"), .. Encoding.UTF8.GetBytes(GreeterText(word))]); greeting = word; }),
                ("large", () => { Write(greeter, GreeterText(word, "// " + new string('x', 10_000_000) + "\n")); greeting = word; }),
                ("empty", () =>
                {
                    // Emptied, the file removes Extra; Program.cs still calls it, so the app keeps the old one and says so.
                    Write(extra, "");
                    ExpectReport("Extra.cs", "removed");
                    Write(extra, ExtraText(word));
                    mark = word;
                }),
                ("renamed, then restored", () =>
                {
                    File.Move(extra, extra + ".moved");
                    ExpectReport("Extra.cs", "file deleted");
                    File.WriteAllText(extra + ".moved", ExtraText(word));
                    File.Move(extra + ".moved", extra);
                    mark = word;
                }),
                ("deleted, then restored", () =>
                {
                    File.Delete(extra);
                    ExpectReport("Extra.cs", "file deleted");
                    Write(extra, ExtraText(word));
                    mark = word;
                }),
                ("replaced by a directory", () =>
                {
                    File.Delete(extra);
                    Directory.CreateDirectory(extra);
                    ExpectReport("Extra.cs", "file deleted");
                    Directory.Delete(extra);
                    Write(extra, ExtraText(word));
                    mark = word;
                }),
                ("symlink loops", () =>
                {
                    string loop = Plain($"Loop{i}.cs"), folder = Plain($"loop{i}");
                    File.CreateSymbolicLink(loop, loop);
                    Directory.CreateSymbolicLink(folder, ".");
                    Write(greeter, GreeterText(word));
                    greeting = word;
                }),
            };
            var (name, step) = kinds[random.Next(kinds.Length)];
            counts[name] = counts.GetValueOrDefault(name) + 1;
            TestContext.Out.WriteLine($"edit {i}: {name}");
            _app.ForgetOutput();
            var clock = Stopwatch.StartNew();
            step();
            string expected = $" {greeting} {mark} ";
            var tick = _app.WaitFor(l => l.StartsWith("tick ") && l.Contains(expected), $"edit {i} ({name}): the app running the last good text,{expected}");
            if (name is not ("syntax error" or "type error" or "binary" or "rude")) latencies.Add(clock.Elapsed.TotalMilliseconds);
            // A later tick too: nothing else lands after the reports.
            _app.ForgetOutput();
            Assert.That(_app.WaitFor(l => l.StartsWith("tick "), $"edit {i} ({name}): a later tick"), Does.Contain(expected), $"edit {i} ({name})");
            Assert.That(_app.HasExited, Is.False);
        }

        void ExpectReport(string file, string words)
        {
            try { _app.WaitFor(l => l.Contains("detour: ") && l.Contains(file) && l.Contains(words), $"the line about {file}: {words}"); }
            catch (AssertionException)
            {
                // What the host holds (files dirty, pending, failed) says where the report stopped.
                TestContext.Out.WriteLine("status after the wait:\n" + RunningApp.Command(Path.Combine(_dir, "Plain"), "status"));
                throw;
            }
            reported++;
        }

        latencies.Sort();
        double P(double q) => latencies.Count == 0 ? 0 : latencies[(int)Math.Min(latencies.Count - 1, Math.Round(q * (latencies.Count - 1)))];
        TestContext.Out.WriteLine($"fuzz: {edits} edits ({string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Value} {c.Key}"))}); " +
                                  $"{reported} bad edits reported; 0 app deaths; 0 wrong behaviours");
        TestContext.Out.WriteLine($"fuzz: save to new behaviour p50 {P(0.5):F0} ms, p90 {P(0.9):F0} ms, max {P(1):F0} ms ({latencies.Count} edits)");
    }

    static void Write(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Written in place in two parts, the second inside the watcher's settle time, as a slow editor writes.</summary>
    static void WriteInTwoHalves(string path, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        int cut = bytes.Length / 3;
        stream.Write(bytes, 0, cut);
        stream.Flush();
        Thread.Sleep(10);
        stream.Write(bytes, cut, bytes.Length - cut);
    }

    static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        bytes[0] = 0; // binary for certain
        return bytes;
    }
}
