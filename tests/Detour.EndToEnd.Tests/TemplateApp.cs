using System.Diagnostics;
using System.Net;
using System.Text.Json;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>An app as `dotnet new` makes it, in a fresh folder of this run, started the way a user starts it: under the
/// installed tool (`dotnet-detour run`), or with the Detour package added and plain `dotnet run`. Both apply the
/// template's launch profile, so the app listens where <see cref="Url"/> says. Disposing it ends the app, its host and
/// everything they started.</summary>
public sealed class TemplateApp : IDisposable
{
    public enum Route { Tool, Package }

    public string Folder { get; }
    public RunningApp App { get; private set; } = null!;
    public string Url { get; }
    readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(15) };

    TemplateApp(string folder)
    {
        Folder = folder;
        Url = ProfileUrl(folder) ?? "";
    }

    /// <summary>`dotnet new TEMPLATE -n NAME` and its options, then <paramref name="prepare"/> (a user's first change).</summary>
    public static TemplateApp Create(string template, string name, string[]? options = null, Action<string>? prepare = null)
    {
        string folder = Path.Combine(Installed.Apps, $"{template}-{Guid.NewGuid().ToString("N")[..6]}", name);
        Directory.CreateDirectory(folder);
        Installed.Run(folder, "dotnet", ["new", template, "-n", name, "-o", folder, .. options ?? []]);
        System.IO.File.WriteAllText(Path.Combine(Path.GetDirectoryName(folder)!, "nuget.config"),
            $"<configuration><packageSources><add key=\"detour-local\" value=\"{Installed.Packages}\" /></packageSources></configuration>");
        GiveTheProfilesFreePorts(folder);
        prepare?.Invoke(folder);
        return new TemplateApp(folder);
    }

    /// <summary>`dotnet new` draws each web template's ports at random from a few hundred, so two apps of one run can
    /// draw the same one, and the second cannot listen: each port of the launch profiles becomes one free now.</summary>
    static void GiveTheProfilesFreePorts(string folder)
    {
        string settings = Path.Combine(folder, "Properties", "launchSettings.json");
        if (!System.IO.File.Exists(settings)) return;
        var ports = new Dictionary<string, int>();
        string text = System.Text.RegularExpressions.Regex.Replace(System.IO.File.ReadAllText(settings), @"(https?://localhost:)(\d+)",
            m => m.Groups[1].Value + (ports.TryGetValue(m.Groups[2].Value, out int port) ? port : ports[m.Groups[2].Value] = WebLoadTests.FreePort()));
        System.IO.File.WriteAllText(settings, text);
    }

    public TemplateApp Start(Route route, Func<string, bool> ready, string what)
    {
        if (route == Route.Tool) App = RunningApp.Tool(Folder);
        else
        {
            Installed.Run(Folder, "dotnet", "add", "package", "Detour", "--source", Installed.Packages);
            App = new RunningApp(new ProcessStartInfo("dotnet", "run") { WorkingDirectory = Folder });
        }
        string project = Path.GetFileName(Directory.GetFiles(Folder, "*.csproj").Single());
        App.WaitFor(l => l.Contains($"detour: watching {project}"), "the host watching", seconds: 300);
        App.WaitFor(ready, what, seconds: 120);
        return this;
    }

    /// <summary>Started as a web app: Kestrel listens at the launch profile's URL.</summary>
    public TemplateApp StartWeb(Route route) => Start(route, l => l.Contains("Now listening on: " + Url), "Kestrel listening at the profile's URL");

    /// <summary>The first http URL of the launch profile `dotnet run` picks (the first).</summary>
    static string? ProfileUrl(string folder)
    {
        string settings = Path.Combine(folder, "Properties", "launchSettings.json");
        if (!System.IO.File.Exists(settings)) return null;
        using var json = JsonDocument.Parse(System.IO.File.ReadAllText(settings));
        foreach (var profile in json.RootElement.GetProperty("profiles").EnumerateObject())
            if (profile.Value.TryGetProperty("applicationUrl", out var urls))
                return urls.GetString()!.Split(';').First(u => u.StartsWith("http://"));
        return null;
    }

    public string File(string relative) => Path.Combine(Folder, relative);

    public (HttpStatusCode Status, string Body) Get(string path)
    {
        using var response = _client.GetAsync(Url + path).Result;
        return (response.StatusCode, response.Content.ReadAsStringAsync().Result);
    }

    /// <summary>Waits until GET <paramref name="path"/> answers what <paramref name="accepted"/> takes; times the wait from
    /// the call (the save just before it) and writes it to the test's output.</summary>
    public void WaitForAnswer(string path, Func<HttpStatusCode, string, bool> accepted, string when, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        (HttpStatusCode Status, string Body) last = default;
        while (!accepted((last = TryGet(path)).Status, last.Body))
        {
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(seconds),
                $"{path} {when}: it answered {(int)last.Status} {Shorten(last.Body)}; the app said:\n{string.Join("\n", App.Lines.TakeLast(15))}");
            Thread.Sleep(20);
        }
        TestContext.Out.WriteLine($"{path} {when}: {clock.ElapsedMilliseconds} ms from save to the new answer");
    }

    public void WaitForAnswer(string path, string text, string when, int seconds = 60) =>
        WaitForAnswer(path, (status, body) => status == HttpStatusCode.OK && body.Contains(text), when, seconds);

    (HttpStatusCode, string) TryGet(string path)
    {
        try { return Get(path); }
        catch (AggregateException) { return (0, "(no answer)"); }
    }

    static string Shorten(string body) => body.Length > 300 ? body[..300] + "..." : body;

    public void Dispose()
    {
        _client.Dispose();
        App?.Dispose();
        Sockets.StopHostsStartedUnder(Path.GetDirectoryName(Folder)!);
    }
}
