namespace Detour.Host.Sessions;

/// <summary>The reload sessions of one app's projects, by assembly name, so that an edit in one project can
/// use what edits added to a project it references.</summary>
public sealed class ProjectSessions
{
    readonly Dictionary<string, ReloadSession> _byAssembly = new();

    /// <summary>Edits being read in any of the app's projects: every project's warm-up waits for them.</summary>
    internal EditsInFlight Edits { get; } = new();

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

/// <summary>Edits being read. Warm-up steps not yet started wait while there are any: a save soon after the start waits
/// for one step at most, and does not share the CPU with the warm-up of another project.</summary>
internal sealed class EditsInFlight
{
    int _count;

    public bool Any => Volatile.Read(ref _count) > 0;

    public IDisposable Begin()
    {
        Interlocked.Increment(ref _count);
        return new Ended(this);
    }

    sealed class Ended(EditsInFlight edits) : IDisposable
    {
        int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0) Interlocked.Decrement(ref edits._count);
        }
    }
}
