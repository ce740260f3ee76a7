using System.Reflection;
using System.Text;
using Detour.Host.Tests;
using Detour.Host;

namespace Detour.Benchmarks;

/// <summary>Compile + relink + apply time of a one-method edit in generated projects of about 1k, 10k
/// and 100k lines. Each project is built by the real SDK (Debug), loaded into this process and patched.
/// The edited file is the one saved last, which the session's warm-up prepares, as the agent's does.</summary>
public static class ReloadBenchmark
{
    const int LinesPerFile = 100;
    const int WarmUpEdits = 3;
    const int MeasuredEdits = 30;

    public static void Run()
    {
        Console.WriteLine("== reload pipeline: one-method edit (compile + relink + apply) ==");
        Console.WriteLine($"{"project",-14}{"files",7}{"median",10}{"p90",10}{"compile",10}{"relink",9}{"apply",9}{"first edit",12}");
        // The first project also warms this process (Roslyn and Cecil reach tier-1 JIT); it is not counted.
        Measure(1_000, "warm-up", report: false, edits: 100);
        var medians = new Dictionary<int, double>();
        foreach (int lines in new[] { 1_000, 10_000, 100_000 })
            medians[lines] = Measure(lines, "", report: true, edits: MeasuredEdits);
        Console.WriteLine($"100k / 1k median: {medians[100_000] / medians[1_000]:F2}x (target: at most 2x); 1k median target: under 50 ms");
    }

    static double Measure(int lines, string tag, bool report, int edits)
    {
        int files = lines / LinesPerFile;
        string root = Path.Combine(Path.GetTempPath(), $"detour-bench-{lines}{tag}-{Environment.ProcessId}");
        try
        {
            string assemblyPath = Generate(root, $"Generated{lines}{tag.Replace("-", "")}", files);
            var assembly = Assembly.LoadFrom(assemblyPath);
            var project = ProjectModel.Load(assemblyPath);
            using var view = InProcessAgent.ViewOfThisProcess();
            var agent = new InProcessAgent();
            var session = new ReloadSession(project, view, agent);
            session.WarmUp();

            string path = project.Sources.Single(s => Path.GetFileName(s) == $"C{files - 1}.cs");
            string original = File.ReadAllText(path);
            var type = assembly.GetType($"Gen.C{files - 1}")!;
            var instance = Activator.CreateInstance(type)!;
            var method = type.GetMethod("M3")!;
            var totals = new List<double>();
            var compile = new List<double>();
            var relink = new List<double>();
            var apply = new List<double>();
            var stages = new Dictionary<string, List<double>>();
            double first = 0;
            int wrong = 0;
            for (int edit = 1; edit <= WarmUpEdits + edits; edit++)
            {
                string text = original.Replace("int y = x + 3;", $"int y = x + {1000 + edit};");
                var result = session.Apply(new Dictionary<string, string> { [path] = text });
                if (!result.Succeeded) throw new InvalidOperationException(string.Join("\n", result.Errors));
                // M3(0): y = 1000 + edit, plus 0+1+2 from the loop, minus 1 past 1000.
                if ((int)method.Invoke(instance, [0])! != 1000 + edit + 3 - 1) wrong++;
                double total = (result.Compile + result.Relink + result.Apply).TotalMilliseconds;
                if (edit == 1) first = total;
                if (edit <= WarmUpEdits) continue;
                totals.Add(total);
                compile.Add(result.Compile.TotalMilliseconds);
                relink.Add(result.Relink.TotalMilliseconds);
                apply.Add(result.Apply.TotalMilliseconds);
                foreach (var stage in result.Stages)
                {
                    if (!stages.TryGetValue(stage.Stage, out var times)) stages[stage.Stage] = times = new List<double>();
                    times.Add(stage.Took.TotalMilliseconds);
                }
            }
            session.Revert();
            double median = Figures.Percentile(totals, 50);
            if (report) Console.WriteLine($"{lines,7:N0} lines{files,7}{median,8:F1}ms{Figures.Percentile(totals, 90),8:F1}ms{Figures.Percentile(compile, 50),8:F1}ms{Figures.Percentile(relink, 50),7:F1}ms{Figures.Percentile(apply, 50),7:F1}ms{first,10:F0}ms" +
                              (wrong > 0 ? $"  WRONG RESULTS: {wrong}" : ""));
            if (report) Console.WriteLine($"{"",14}stage medians: {string.Join(", ", stages.Select(s => $"{s.Key} {Figures.Percentile(s.Value, 50):F2} ms"))}");
            return median;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }


    /// <summary>Writes and builds a project of <paramref name="files"/> classes of about 100 lines each.</summary>
    static string Generate(string root, string name, int files)
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <Import Project="{Path.Combine(RepositoryRoot(), "src", "Detour.Host", "build", "Detour.Manifest.targets")}" />
            </Project>
            """);
        for (int i = 0; i < files; i++)
            File.WriteAllText(Path.Combine(root, $"C{i}.cs"), GeneratedClass("Gen", i, i > 0 ? $"new C{i - 1}().M0(y)" : null));
        DemoCopy.Build(root, outputDirectory: Path.Combine(root, "out"));
        return Path.Combine(root, "out", name + ".dll");
    }

    /// <summary>A class of about 100 lines: eleven methods with a loop and a branch; M5's branch calls
    /// <paramref name="callInM5"/> when given, so the classes can form a chain.</summary>
    internal static string GeneratedClass(string ns, int index, string? callInM5)
    {
        var code = new StringBuilder($"namespace {ns};\n\npublic class C{index}\n{{\n    public int State;\n    public static int Shared = {index};\n\n");
        for (int m = 0; m < 11; m++)
        {
            string call = m == 5 && callInM5 is not null ? callInM5 : "y";
            code.Append($"    public int M{m}(int x)\n    {{\n        int y = x + {m};\n        for (int k = 0; k < 3; k++) y += k;\n" +
                        $"        if (y > 1000) y = {call} - 1;\n        State += y;\n        return y;\n    }}\n\n");
        }
        return code.Append("}\n").ToString();
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Detour.sln"))) return dir.FullName;
        throw new InvalidOperationException("run the benchmark from inside the Detour repository");
    }
}
