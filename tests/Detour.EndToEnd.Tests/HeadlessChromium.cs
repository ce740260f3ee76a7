using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Detour.EndToEnd.Tests;

/// <summary>Debian's `chromium`, headless, in a profile folder of its own, driven through the DevTools protocol over
/// one page's WebSocket. Disposing it kills the browser and every process it started.</summary>
public sealed class HeadlessChromium : IDisposable
{
    readonly Process _browser;
    readonly string _profile;
    readonly ClientWebSocket _page = new();
    int _nextId;

    HeadlessChromium(Process browser, string profile, Uri pageSocket)
    {
        _browser = browser;
        _profile = profile;
        _page.ConnectAsync(pageSocket, Timeout(15)).Wait();
    }

    public static HeadlessChromium Start(string executable)
    {
        string profile = Path.Combine(Path.GetTempPath(), "detour-chromium-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(profile);
        // Port 0: the browser picks a free port and writes it to DevToolsActivePort in the profile.
        var start = new ProcessStartInfo(executable, ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        var browser = Process.Start(start)!;
        browser.ErrorDataReceived += (_, _) => { };
        browser.OutputDataReceived += (_, _) => { };
        browser.BeginErrorReadLine();
        browser.BeginOutputReadLine();
        try
        {
            string portFile = Path.Combine(profile, "DevToolsActivePort");
            var clock = Stopwatch.StartNew();
            string? port = null;
            while (port == null)
            {
                Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(30), "chromium wrote its DevTools port");
                Assert.That(browser.HasExited, Is.False, "chromium is running");
                if (System.IO.File.Exists(portFile)) port = System.IO.File.ReadAllLines(portFile).FirstOrDefault(l => l.Length > 0);
                Thread.Sleep(50);
            }
            using var http = new HttpClient();
            var targets = JsonNode.Parse(http.GetStringAsync($"http://127.0.0.1:{port}/json/list").Result)!.AsArray();
            var page = targets.First(t => (string?)t!["type"] == "page")!;
            return new HeadlessChromium(browser, profile, new Uri((string)page["webSocketDebuggerUrl"]!));
        }
        catch
        {
            Kill(browser, profile);
            throw;
        }
    }

    public void Navigate(string url) => Send("Page.navigate", new JsonObject { ["url"] = url });

    /// <summary>Evaluates a JavaScript expression in the page and returns its value as JSON.</summary>
    public JsonNode? Evaluate(string expression)
    {
        var result = Send("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        return result["result"]?["value"];
    }

    /// <summary>Polls <paramref name="expression"/> until it is a string that <paramref name="accepted"/> takes.</summary>
    public string WaitFor(string expression, Func<string, bool> accepted, string what, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        string? last = null;
        while (!accepted(last = Evaluate(expression)?.ToString() ?? ""))
        {
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(seconds), $"{what}: the page showed '{last}'");
            Thread.Sleep(20);
        }
        return last;
    }

    /// <summary>One DevTools command and its result; events the page sends in between are read and dropped.</summary>
    JsonNode Send(string method, JsonObject parameters)
    {
        int id = ++_nextId;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        _page.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, Timeout(15)).Wait();
        while (true)
        {
            var answer = JsonNode.Parse(Receive())!;
            if ((int?)answer["id"] != id) continue;
            if (answer["error"] is { } error) Assert.Fail($"DevTools {method}: {error.ToJsonString()}");
            return answer["result"]!;
        }
    }

    string Receive()
    {
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        WebSocketReceiveResult part;
        do
        {
            part = _page.ReceiveAsync(buffer, Timeout(30)).Result;
            text.Write(buffer, 0, part.Count);
        } while (!part.EndOfMessage);
        return Encoding.UTF8.GetString(text.ToArray());
    }

    static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    static void Kill(Process browser, string profile)
    {
        try { if (!browser.HasExited) browser.Kill(entireProcessTree: true); browser.WaitForExit(10_000); }
        catch (InvalidOperationException) { }
        browser.Dispose();
        try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        _page.Dispose();
        Kill(_browser, _profile);
    }
}
