namespace Detour.Host.Commands;

/// <summary>The operations behind the commands, as one app's reloader carries them out.</summary>
public interface ICommandTarget
{
    /// <summary>A line of the command's answer.</summary>
    void Say(string line);
    void ReloadNow();
    void SetMode(ReloadMode mode);
    void ListModules();
    void Mark(string module);
    void Skip(string module);
    void ForceReload(string module);
    void Status();
    void Revert(string? module);
    void Restart();
}
