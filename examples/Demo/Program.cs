using Demo;

// A little animation whose look lives in Scene.cs: edit it while this runs.
var scene = new Scene();
bool terminal = !Console.IsOutputRedirected;
while (true)
{
    scene.Frame++;
    string line = scene.Draw();
    if (terminal) Console.Write("\r" + line + "\u001b[K");
    else Console.WriteLine(line);
    Thread.Sleep(200);
}
