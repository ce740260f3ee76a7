using System.Diagnostics;
using System.IO.Pipes;
using System.Security.AccessControl;
using System.Security.Principal;
using Detour.Agent.Apply;
using Detour.Channel;

namespace Detour.Windows.Check;

/// <summary>The channel as the compile host and the agent use it: a named pipe on Windows, a Unix socket elsewhere.</summary>
static class ChannelChecks
{
    static string NewAddress() => OperatingSystem.IsWindows()
        ? $"detour-check-{Environment.ProcessId}-{Guid.NewGuid():N}"
        : Path.Combine(Path.GetTempPath(), $"detour-check-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");

    /// <summary>The next connection, or null after <paramref name="seconds"/>.</summary>
    static AcceptedPeer? AcceptWithin(ChannelListener listener, int seconds)
    {
        var accepting = Task.Run(listener.Accept);
        return accepting.Wait(TimeSpan.FromSeconds(seconds)) ? accepting.Result : null;
    }

    public static string? OnlyThisUser() => OperatingSystem.IsWindows() ? PipeAclIsThisUsersAlone() : SocketModeIsThisUsersAlone();

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    static string? SocketModeIsThisUsersAlone()
    {
        string path = NewAddress();
        using var listener = ChannelListener.Listen(path);
        var mode = File.GetUnixFileMode(path);
        File.Delete(path);
        return mode == (UnixFileMode.UserRead | UnixFileMode.UserWrite) ? null : $"the socket's mode is {mode}";
    }

    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    static string? PipeAclIsThisUsersAlone()
    {
        using var pipe = NamedPipeServerStreamAcl.Create(NewAddress(), PipeDirection.InOut, 1, PipeTransmissionMode.Byte,
            PipeOptions.None, 0, 0, UserPipe.UserOnly());
        var security = pipe.GetAccessControl();
        var rules = security.GetAccessRules(includeExplicit: true, includeInherited: true, typeof(SecurityIdentifier))
            .Cast<PipeAccessRule>().ToList();
        var user = WindowsIdentity.GetCurrent().User!;
        if (!security.AreAccessRulesProtected) return "the ACL inherits rules";
        if (rules.Count != 1) return $"{rules.Count} rules: {string.Join(", ", rules.Select(r => $"{r.IdentityReference} {r.AccessControlType} {r.PipeAccessRights}"))}";
        var rule = rules[0];
        return rule.IdentityReference.Equals(user) && rule.AccessControlType == AccessControlType.Allow
            ? null
            : $"the one rule is {rule.IdentityReference} {rule.AccessControlType}, not {user} Allow";
    }

    public static string? OtherUserRefused()
    {
        string address = NewAddress();
        if (OperatingSystem.IsWindows()) UserPipe.RequiredPeerSid = new SecurityIdentifier(WellKnownSidType.LocalSystemSid, null);
        else UserSocket.RequiredPeerUid = 54321;
        try
        {
            using var listener = ChannelListener.Listen(address);
            var accepting = Task.Run(listener.Accept);
            using var client = UserSocket.TryConnectStream(address);
            if (client is null) return "could not connect";
            if (!accepting.Wait(TimeSpan.FromSeconds(10)) || accepting.Result is not { } peer) return "nothing was accepted";
            peer.Stream.Dispose();
            return peer.IsSameUser ? $"{peer.Who} passed as the required user" : null;
        }
        finally
        {
            if (OperatingSystem.IsWindows()) UserPipe.RequiredPeerSid = null;
            else UserSocket.RequiredPeerUid = null;
            if (!OperatingSystem.IsWindows()) File.Delete(address);
        }
    }

    public static string? PlanAppliedInAnotherProcess()
    {
        string address = NewAddress();
        using var listener = ChannelListener.Listen(address);
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(typeof(ChannelChecks).Assembly.Location);
        start.ArgumentList.Add("agent");
        start.ArgumentList.Add(address);
        using var agent = Process.Start(start)!;
        try
        {
            if (AcceptWithin(listener, 60) is not { } peer) return "the agent process did not connect";
            using var stream = peer.Stream;
            if (!peer.IsSameUser) return $"{peer.Who} was not seen as this user";
            if (Frames.Read(stream) is not Hello { Role: PeerRole.Agent } hello) return "no hello from the agent";
            if (hello.ProcessId != agent.Id) return $"the hello names process {hello.ProcessId}, not {agent.Id}";
            Frames.Write(stream, new Welcome(true, "ok"));
            var (image, token) = DeltaImage.Returning("patched over the channel");
            var greeting = typeof(Greeter).GetMethod(nameof(Greeter.Greeting))!;
            string assembly = typeof(Greeter).Assembly.GetName().Name!;
            Frames.Write(stream, new PatchPlan(1, assembly, image, [],
                [new Redirect(new MethodHandleRef(assembly, greeting.MetadataToken), token, "Greeter.Greeting")], []));
            if (Frames.Read(stream) is not PatchResult result) return "no result for the plan";
            if (!result.Applied) return "the plan was rolled back: " + result.Error;
            if (Frames.Read(stream) is not Say { Lines: [var line] }) return "no line after the plan";
            return line == "Greeting() = patched over the channel" ? null : $"the agent says '{line}'";
        }
        finally
        {
            if (!agent.WaitForExit(10_000)) agent.Kill();
            if (!OperatingSystem.IsWindows()) File.Delete(address);
        }
    }

    /// <summary>The other process: the agent's side, as in an app.</summary>
    public static int Agent(string address)
    {
        using var stream = UserSocket.TryConnectStream(address);
        if (stream is null) return 3;
        Frames.Write(stream, new Hello(Frames.Version, PeerRole.Agent, Environment.ProcessId, Environment.ProcessPath ?? "", "", [], false));
        if (Frames.Read(stream) is not Welcome { Accepted: true }) return 4;
        if (Frames.Read(stream) is not PatchPlan plan) return 5;
        Frames.Write(stream, new PlanApplier().Apply(plan));
        Frames.Write(stream, new Say([$"Greeting() = {Greeter.Greeting()}"]));
        return 0;
    }
}
