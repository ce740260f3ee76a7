namespace Target;

/// <summary>Uses another file's events and same-named members; the file the tests edit.</summary>
public class Listener
{
    public int Heard;
    public string LastAnnouncement = "";

    public void Attach(Bus bus)
    {
        bus.Fired += OnFired;
        Bus.Announced += OnAnnounced;
    }

    public void Detach(Bus bus)
    {
        bus.Fired -= OnFired;
        Bus.Announced -= OnAnnounced;
    }

    void OnFired(int value) => Heard += value;
    void OnAnnounced(string text) => LastAnnouncement = text;

    public static string Probe(Bus bus, Hailer greeter) => $"{bus.Total}/{bus.Bias}/{((IHail)greeter).Greet()}/{greeter.Greet()}";
}
