using Detour.Host;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>MSBuild lists a project's transitive references as well as its own, so in a chain each project names every
/// one below it. Each is read once and shared: read per path, a chain of 21 projects made 2^20 models and gigabytes
/// before the app could start (found by the scale benchmark).</summary>
public class ProjectReferenceChainTests
{
    [Test]
    public void AChainWithTransitiveReferences_ReadsEachProjectOnce()
    {
        string folder = Path.Combine(Path.GetTempPath(), "detour-chain-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            const int libraries = 12;
            string Target(string name) => Path.Combine(folder, name + ".dll");
            void Manifest(string name, int below) => File.WriteAllLines(Target(name) + ".detour",
            [
                $"project={Path.Combine(folder, name, name + ".csproj")}", $"assembly={name}", $"target={Target(name)}",
                .. Enumerable.Range(1, below).Select(i => $"projectreference={Path.Combine(folder, $"Lib{i:00}", "bin", $"Lib{i:00}.dll")}"),
            ]);
            for (int l = 1; l <= libraries; l++) Manifest($"Lib{l:00}", l - 1);
            Manifest("App", libraries);

            var app = ProjectModel.Load(Target("App"));

            var all = app.WithReferencedProjects().ToList();
            Assert.That(all.Select(p => p.AssemblyName), Is.EqualTo(new[] { "App" }.Concat(Enumerable.Range(1, libraries).Select(i => $"Lib{i:00}"))));
            var leaf = app.ProjectReferences[0];
            Assert.That(app.ProjectReferences.Select(p => p.ProjectReferences.FirstOrDefault() ?? leaf), Has.All.SameAs(leaf),
                "every project's reference to the leaf is one model");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
