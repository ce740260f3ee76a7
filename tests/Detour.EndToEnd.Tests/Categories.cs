namespace Detour.EndToEnd.Tests;

/// <summary>The categories .ci chooses passes by.</summary>
static class Categories
{
    /// <summary>What the test checks does not depend on how edits are applied (by the native engine or by the runtime's own
    /// update): the terminal, the watcher, the tool's and the agent's lives, the package's second route to the same apply.
    /// The main pass runs it; the runtime-only pass of .ci/platforms leaves it out.</summary>
    public const string EngineIndependent = "engine-independent";
}
