using Demo;

// A little animation whose look lives in Scene.cs: edit it while this runs.
var scene = new Scene();
// The demo reads its input lines (and ignores them), as interactive apps do; %-lines typed here go to Detour.
new Thread(() => { while (Console.ReadLine() is not null) { } }) { IsBackground = true }.Start();
bool terminal = !Console.IsOutputRedirected;
// DEMO_FRAME_MS lets the save-to-visible benchmark draw often enough that the frame rate does not hide the patch time.
int frameMs = int.TryParse(Environment.GetEnvironmentVariable("DEMO_FRAME_MS"), out var ms) ? ms : 200;
while (true)
{
    scene.Frame++;
    string line = scene.Draw();
    if (terminal) Console.Write("\r" + line + "\u001b[K");
    else Console.WriteLine(line);
    Thread.Sleep(frameMs);
}
