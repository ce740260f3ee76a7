using System.Diagnostics;
using System.Reflection;
using Detour.Agent.Apply;
using Detour.Channel;
using Detour.Engine;
using Detour.Windows.Check;

// Each check returns null when it passes, or why it failed. Nothing throws across reflection or native frames on
// purpose: under Wine 8 such an exception can hang the process (native-notes/windows.md).
if (args is ["agent", var address]) return ChannelChecks.Agent(address);

var checks = new (string Name, Func<string?> Run)[]
{
    ("the engine's platform layer is this one", EngineChecks.PlatformLayer),
    ("non-virtual: redirect and undo", EngineChecks.NonVirtual),
    ("virtual: redirect and undo, through the vtable", EngineChecks.Virtual),
    ("interface: redirect and undo, through dispatch", EngineChecks.Interface),
    ("a transaction that fails part-way rolls back", EngineChecks.Rollback),
    ("concurrent flips, non-virtual: 0 wrong results", () => EngineChecks.Flips(virtualMethod: false)),
    ("concurrent flips, virtual: 0 wrong results", () => EngineChecks.Flips(virtualMethod: true)),
    ("the channel only this user can open", ChannelChecks.OnlyThisUser),
    ("a peer of another user is refused", ChannelChecks.OtherUserRefused),
    ("a plan sent over the channel to another process is applied there", ChannelChecks.PlanAppliedInAnotherProcess),
};
int passed = 0, failed = 0;
foreach (var (name, run) in checks)
{
    var clock = Stopwatch.StartNew();
    string? why;
    try { why = run(); }
    catch (Exception e) { why = $"{e.GetType().Name}: {e.Message}"; }
    if (why is null) { passed++; Console.WriteLine($"ok      {name} ({clock.ElapsedMilliseconds} ms)"); }
    else { failed++; Console.WriteLine($"FAILED  {name}: {why}"); }
}
Console.WriteLine($"{passed} passed, {failed} failed");
return failed == 0 ? 0 : 1;
