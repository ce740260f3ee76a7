using System.Collections.Concurrent;
using Detour.Host.Watching;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>The watcher names a saved file at once, so it may be compiled while its save settles; the save itself is
/// reported when it has settled.</summary>
public class SourceWatcherTests
{
    [Test]
    public void ASavedFile_IsNamedAtOnce_AndItsSaveReportedOnceSettled()
    {
        string folder = Path.Combine(Path.GetTempPath(), "detour-watcher-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            string source = Path.Combine(folder, "Scene.cs"), other = Path.Combine(folder, "Other.cs");
            File.WriteAllText(source, "class Scene { }");
            File.WriteAllText(other, "class Other { }");
            var model = new ProjectModel(Path.Combine(folder, "App.csproj"), "App", Path.Combine(folder, "App.dll"), [source, other], [],
                new HashSet<string>(), [], "latest", true, false, [], []);
            var named = new ConcurrentQueue<string>();
            var settled = new ConcurrentQueue<string>();
            SourceWatcher watcher = null!;
            using var _ = watcher = new SourceWatcher(() => { foreach (var path in watcher.TakeSettled()) settled.Enqueue(path); }, named.Enqueue);
            watcher.Watch(model);

            File.WriteAllText(source, "class Scene { int X; }"); // in place
            Assert.That(SpinWait.SpinUntil(() => settled.Contains(source), 5000), "the write in place settled");
            Assert.That(named.Distinct(), Is.EqualTo(new[] { source }), "named at its event");

            named.Clear();
            string aside = other + ".tmp";
            File.WriteAllText(aside, "class Other { int Y; }");
            File.Move(aside, other, overwrite: true); // by rename
            Assert.That(SpinWait.SpinUntil(() => settled.Contains(other), 5000), "the rename settled");
            Assert.That(named.Distinct(), Is.EqualTo(new[] { other }));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Test]
    public void CloseWrites_SaysAFileIsWholeOnlyOnceItsWriterClosedIt_AndNothingWroteSince()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("inotify is Linux's");
        string folder = Path.Combine(Path.GetTempPath(), "detour-closes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var closes = new ConcurrentQueue<string>();
        using var closeWrites = CloseWrites.Start(path => path.EndsWith(".cs"), closes.Enqueue)!;
        try
        {
            closeWrites.Watch(folder);
            string path = Path.Combine(folder, "Scene.cs"), aside = path + ".tmp";
            File.WriteAllText(aside, "an editor's temporary file"); // not tracked; its close comes before Scene.cs's
            using (var writer = new FileStream(path, FileMode.Create, FileAccess.Write))
            {
                writer.Write("class Scene {"u8);
                writer.Flush();
                Thread.Sleep(100);
                Assert.That(closeWrites.WasClosed(path), Is.False, "still open for writing");
                writer.Write(" }"u8);
            }
            Assert.That(SpinWait.SpinUntil(() => closes.Contains(path), 5000), "the close was seen");
            Assert.That(closeWrites.WasClosed(path), Is.True);
            Assert.That(closes, Does.Not.Contain(aside), "a file it does not track is not reported");
            Assert.That(closeWrites.WasClosed(aside), Is.False);
            using var later = new FileStream(path, FileMode.Append, FileAccess.Write);
            later.Write("\n// a later write"u8);
            later.Flush();
            Assert.That(closeWrites.WasClosed(path), Is.False, "a write since the close (even one not read yet) is seen");
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
