using System.Net.Sockets;
using System.Runtime.InteropServices;
using Detour.Channel;
using Detour.Host;
using Detour.Host.Serving;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>Neither a manifest nor a message can make Detour read or compile a file outside the app's projects:
/// "../" in a manifest, symlinks out of the tree, and a peer naming another project's app are all refused.</summary>
[NonParallelizable]
public class SourceTreeTests
{
    string _root = null!;

    [SetUp]
    public void MakeFolders()
    {
        _root = Path.Combine(Path.GetTempPath(), "detour-tree-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(_root, "App"));
        Directory.CreateDirectory(Path.Combine(_root, "outside"));
        File.WriteAllText(Path.Combine(_root, "App", "App.csproj"), "<Project />");
        File.WriteAllText(Path.Combine(_root, "App", "Inside.cs"), "class Inside { }");
        File.WriteAllText(Path.Combine(_root, "outside", "Secret.cs"), "class Secret { }");
        File.CreateSymbolicLink(Path.Combine(_root, "App", "Link.cs"), Path.Combine(_root, "outside", "Secret.cs"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "App", "linked"), Path.Combine(_root, "outside"));
    }

    [TearDown]
    public void RemoveFolders() => Directory.Delete(_root, recursive: true);

    string Manifest()
    {
        string app = Path.Combine(_root, "App");
        string manifest = Path.Combine(app, "App.dll.detour");
        File.WriteAllLines(manifest,
        [
            $"project={Path.Combine(app, "App.csproj")}", "assembly=App", $"target={Path.Combine(app, "App.dll")}",
            $"source=true|{Path.Combine(app, "Inside.cs")}",
            $"source=true|{Path.Combine(app, "..", "outside", "Secret.cs")}",  // traversal
            $"source=true|{Path.Combine(app, "Link.cs")}",                      // a symlink to a file outside
            $"source=true|{Path.Combine(app, "linked", "Secret.cs")}",          // through a symlinked folder
        ]);
        return manifest;
    }

    [Test]
    public void ManifestSources_OutsideTheTree_AreNeitherReadNorCompiled()
    {
        var model = ProjectModel.Read(Manifest(), Path.Combine(_root, "App", "App.dll"), discoverReferences: null);
        Assert.That(model.Sources.Select(Path.GetFileName), Is.EqualTo(new[] { "Inside.cs" }));
        Assert.That(model.OutsideTree, Has.Count.EqualTo(3));
    }

    [Test]
    public void InARepository_TheTreeIsTheRepository_SoSharedFoldersOfItStayIn()
    {
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        var model = ProjectModel.Read(Manifest(), Path.Combine(_root, "App", "App.dll"), discoverReferences: null);
        Assert.That(model.Sources, Has.Count.EqualTo(4), "every path resolves inside the repository");
        Assert.That(model.OutsideTree, Is.Empty);
    }

    [Test]
    public void AHostForOneProject_DoesNotPatchAnAppOfAnother()
    {
        string socket = UserSocket.PathFor(Path.Combine(_root, "Served", "Served.csproj"));
        var said = new List<string>();
        using var server = new HostServer(socket, "unused.targets", line => { lock (said) said.Add(line); }, Path.Combine(_root, "Served", "Served.csproj"));
        Manifest();
        Assert.That(UserSocket.TryConnect(socket, out var peer), Is.True);
        using var stream = new NetworkStream(peer!, ownsSocket: true);
        Frames.Write(stream, new Hello(Frames.Version, PeerRole.Agent, Environment.ProcessId, Path.Combine(_root, "App", "App.dll"),
                                       RuntimeEnvironment.GetRuntimeDirectory(), [], PrintsReports: false));
        Assert.That(Frames.Read(stream), Is.TypeOf<Welcome>());
        for (int i = 0; i < 500 && !said.ToList().Any(l => l.StartsWith("could not start")); i++) Thread.Sleep(10);
        Assert.That(said.ToList(), Has.Some.Contains("could not start: this compile host serves").And.Contains("the app is of"));
        Assert.That(said.ToList(), Has.None.StartsWith("watching"), "nothing of the other project is watched or compiled");
    }
}
