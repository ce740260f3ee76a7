using Detour.Host.Sessions;

namespace Detour.Host.Watching;

/// <summary>The reload sessions of one app, one per project (the app's first, then those it references), and which
/// session each source file belongs to. Read and changed under the reloader's lock.</summary>
internal sealed class AppProjects
{
    readonly List<ReloadSession> _sessions = new();
    readonly Dictionary<string, ReloadSession> _byFile = new();

    /// <summary>The same sessions by assembly, for edits of one project that use what edits added to another.</summary>
    public ProjectSessions Registry { get; } = new();

    public IReadOnlyList<ReloadSession> Sessions => _sessions;

    /// <summary>Every known source and view, with its session.</summary>
    public IReadOnlyDictionary<string, ReloadSession> Files => _byFile;

    public void Add(ReloadSession session)
    {
        _sessions.Add(session);
        foreach (var source in session.Project.Sources.Concat(session.Project.Views)) _byFile[source] = session;
    }

    /// <summary>The session of the project whose folder holds the file (the innermost, if projects nest).</summary>
    public ReloadSession? For(string path)
    {
        if (_byFile.TryGetValue(path, out var known)) return known;
        var owner = _sessions.Where(s => path.StartsWith(s.Project.ProjectDirectory + Path.DirectorySeparatorChar))
                             .MaxBy(s => s.Project.ProjectDirectory.Length);
        if (owner is not null) _byFile[path] = owner;
        return owner;
    }

    /// <summary>Referenced projects come after the app: their edits go first, as the app's may use what theirs added.</summary>
    public int Order(ReloadSession session) => _sessions.IndexOf(session);
}
