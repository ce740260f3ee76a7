namespace Detour.Channel;

/// <summary>What the compile host and the agent say to each other (written by <see cref="Codec"/>); the first
/// message on a connection (a <see cref="Hello"/>) carries the protocol version.</summary>
public abstract record Message;

/// <summary>Who connects: an app's agent, or a client (the CLI in another terminal) that sends commands.</summary>
public enum PeerRole { Agent, Client }

/// <summary>An assembly the app has loaded, identified by its module version id (a rebuild changes it).</summary>
public sealed record LoadedAssembly(string Name, string Path, Guid Mvid, bool DebugBuild);

/// <summary>The first message on every connection.</summary>
/// <param name="StartupMilliseconds">Time the agent spent on the app's main thread at startup (in the startup hook).</param>
/// <param name="FrameworkFolders">The folders of the app's trusted platform assemblies: its shared frameworks (ASP.NET
/// Core's among them), whose assemblies it loads only when first used.</param>
/// <param name="MetadataUpdates">The runtime applies metadata updates (it started with DOTNET_MODIFIABLE_ASSEMBLIES=debug):
/// edits of generic code, and additions, go through it.</param>
/// <param name="UpdateCapabilities">What the runtime's metadata updates can do, in its own words
/// ("AddMethodToExistingType NewTypeDefinition ..."); empty when it takes none.</param>
/// <param name="NativeEngine">The engine's platform layer as the agent picked it at run time, or why it patches no
/// native code on this platform.</param>
public sealed record Hello(int Version, PeerRole Role, int ProcessId, string EntryAssembly, string RuntimeDirectory,
                           IReadOnlyList<LoadedAssembly> Assemblies, bool PrintsReports, double StartupMilliseconds = 0,
                           IReadOnlyList<string>? FrameworkFolders = null, bool MetadataUpdates = false, string UpdateCapabilities = "",
                           string NativeEngine = "") : Message;

/// <summary>The host's answer to <see cref="Hello"/>; when not accepted, the connection closes after it.</summary>
public sealed record Welcome(bool Accepted, string Message) : Message;

/// <summary>A method of the live program: an assembly the app runs (or a generation) and a metadata token in it.</summary>
public sealed record MethodHandleRef(string Assembly, int Token);

/// <summary>A field of the live program by token, or, for one the runtime's update added (no token known here), by its
/// type's reflection name and its own name (<paramref name="Token"/> 0).</summary>
public sealed record FieldHandleRef(string Assembly, int Token, string TypeName = "", string Name = "");

/// <summary>A type of the live program by token, or, for one the runtime's update added, by its full name (<paramref name="Token"/> 0).</summary>
public sealed record TypeHandleRef(string Assembly, int Token, string Name = "");

/// <summary>One original method and the method of the delta that replaces it.</summary>
public sealed record Redirect(MethodHandleRef Original, int ReplacementToken, string Name);

/// <summary>A static field whose new initializer runs into the delta's holder type, then is copied to the live field.</summary>
/// <param name="Added">The plan adds the field: no code running reads it yet, so it gets its value before any new code
/// can run (after the detours, a call in between read it unset and threw).</param>
public sealed record Reinitialization(int HolderTypeToken, string ShadowField, FieldHandleRef LiveField, string Name, bool Added = false);

/// <summary>An update of an assembly the app runs, in the runtime's own format (what Roslyn's EmitDifference writes and
/// MetadataUpdater.ApplyUpdate takes): how generic method bodies are replaced, every instantiation at once.</summary>
public sealed record MetadataUpdate(string Assembly, byte[] Metadata, byte[] IL, byte[] Pdb);

/// <summary>One edit as data: the delta assembly and what to do with it. The agent applies all of it or none.</summary>
/// <param name="DryRun">A warm-up: the agent loads the delta, JIT-compiles the replacements and throws it all away,
/// detouring nothing, so the first real edit finds the loader and the JIT's paths warm.</param>
/// <param name="UpdatedTypes">The live types the edit changed or added to, and the types it added (in the delta):
/// what the app's metadata update handlers are told once the plan has applied.</param>
/// <param name="AddsMembers">The delta declares types or members that later edits bind to: the agent keeps it loaded.
/// Otherwise it is unloaded once no detour leads into it.</param>
/// <param name="RuntimeUpdate">Bodies the runtime replaces (generic code, members the runtime added): applied last, so
/// that a refusal undoes the rest.</param>
/// <param name="RuntimeInserts">Types and members the edit adds, through the runtime's update so that reflection sees
/// them: applied first, since the delta's code calls them. They stay if a later step fails (the runtime cannot take
/// them back), unused.</param>
public sealed record PatchPlan(int Id, string AssemblyName, byte[] Image, byte[] Symbols,
                               IReadOnlyList<Redirect> Redirects, IReadOnlyList<Reinitialization> Reinitializations, bool DryRun = false,
                               IReadOnlyList<TypeHandleRef>? UpdatedTypes = null, bool AddsMembers = false,
                               MetadataUpdate? RuntimeUpdate = null, MetadataUpdate? RuntimeInserts = null) : Message;

/// <summary>The agent's answer: applied, or rolled back with the reason (nothing of the plan stays live).</summary>
/// <param name="Warnings">What went wrong after the plan applied, without undoing it: an update handler that threw.</param>
/// <param name="Generations">The app's generation counts after this plan.</param>
/// <param name="InsertsApplied">The plan's runtime inserts are in the app, though the rest was rolled back.</param>
public sealed record PatchResult(int Id, bool Applied, string? Error, IReadOnlyList<string>? Warnings = null,
                                 GenerationCounts? Generations = null, bool InsertsApplied = false) : Message;

/// <summary>Generations the agent holds: loaded (something can run them), released (nothing leads into them any
/// more, unload asked) and not yet collected, and collected (their memory is back).</summary>
public sealed record GenerationCounts(int Loaded, int Releasing, int Collected);

/// <summary>Undo the detours of these originals (all of them when null); <paramref name="RuntimeUpdate"/> puts generic
/// bodies back as the build had them.</summary>
public sealed record RevertRequest(int Id, IReadOnlyList<MethodHandleRef>? Originals, MetadataUpdate? RuntimeUpdate = null) : Message;

public sealed record RevertResult(int Id, int Reverted, string? Error) : Message;

/// <summary>A command line ("%status", "reload Demo.Scene", ...), from the app's terminal or another one.</summary>
public sealed record CommandRequest(string Line) : Message;

/// <summary>Lines for the user.</summary>
public sealed record Say(IReadOnlyList<string> Lines) : Message;

/// <summary>A command has been answered in full.</summary>
public sealed record Done : Message;

/// <summary>Client to host: step aside (another host is taking over the project's socket); answered with <see cref="Done"/>.</summary>
public sealed record Shutdown : Message;

/// <summary>Host to agent: edits wait for the app's next <c>Detour.HotPatch.SafePoint()</c> (mode 3), or no longer do.</summary>
public sealed record SafePointWanted(bool Wanted) : Message;

/// <summary>Agent to host: a thread of the app has called <c>SafePoint()</c> and waits there for the edits.</summary>
public sealed record SafePointReached(int Id) : Message;

/// <summary>Host to agent: what waited for the safe point has been applied (or refused); the app's thread goes on.</summary>
public sealed record SafePointDone(int Id) : Message;
