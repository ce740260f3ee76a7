namespace Detour.Host.Sessions;

/// <summary>The reload sessions of one app's projects, by assembly name, so that an edit in one project can
/// use what edits added to a project it references.</summary>
public sealed class ProjectSessions
{
    readonly Dictionary<string, ReloadSession> _byAssembly = new();

    internal void Add(ReloadSession session)
    {
        lock (_byAssembly) _byAssembly[session.Project.AssemblyName] = session;
    }

    internal IReadOnlyList<ReloadSession> All()
    {
        lock (_byAssembly) return _byAssembly.Values.ToList();
    }

    internal ReloadSession? Find(string assemblyName)
    {
        lock (_byAssembly) return _byAssembly.GetValueOrDefault(assemblyName);
    }
}
