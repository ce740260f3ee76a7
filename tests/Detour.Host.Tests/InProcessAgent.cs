using System.Reflection;
using Detour.Agent;
using Detour.Agent.Apply;
using Detour.Channel;

namespace Detour.Host.Tests;

/// <summary>The agent's plan applier in the test process, standing in for the channel: the host's plans are
/// applied to the test process's own live code, exactly as the agent applies them in an app.</summary>
public sealed class InProcessAgent : IPatchTarget
{
    public readonly PlanApplier Applier = new(line => Said.Enqueue(line));

    /// <summary>Lines the agent printed in the app.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentQueue<string> Said = new();

    public PatchResult Apply(PatchPlan plan) => Applier.Apply(Roundtrip(plan));
    public RevertResult Revert(RevertRequest request) => Applier.Revert(Roundtrip(request));
    public GenerationCounts Generations => Applier.Counts();

    /// <summary>Every plan goes through the wire format, so what is tested is what the channel carries.</summary>
    static T Roundtrip<T>(T message) where T : Message =>
        (T)Frames.Read(new MemoryStream(Frames.Encode(message)))!;

    /// <summary>The metadata view of this process, as the host would build it from the agent's hello.</summary>
    public static LiveView ViewOfThisProcess() =>
        new(AgentMain.HelloOf(Assembly.GetEntryAssembly() ?? typeof(InProcessAgent).Assembly, printsReports: false));
}
