using System.Collections.Concurrent;
using System.Net.Sockets;
using Detour.Channel;
using Detour.Host.Sessions;

namespace Detour.Host.Serving;

/// <summary>One app's agent on the channel: plans and reverts go out and wait for their answer; %-lines typed in
/// the app's terminal come in and are run by the app's reloader.</summary>
internal sealed class AgentConnection : IPatchTarget, IDisposable
{
    static readonly TimeSpan AnswerLimit = TimeSpan.FromSeconds(30);
    readonly Stream _stream;
    readonly ConcurrentDictionary<int, TaskCompletionSource<Message>> _waiting = new();
    readonly object _writeLock = new(); // plans, reports and safe-point answers are written from several threads
    volatile bool _closed;

    public AgentConnection(Stream stream, Hello hello)
    {
        _stream = stream;
        Hello = hello;
    }

    public Hello Hello { get; }
    public bool IsClosed => _closed;

    /// <summary>The generations the app held after its latest plan.</summary>
    public GenerationCounts? Generations { get; private set; }

    /// <summary>A command line arrived from the app's terminal.</summary>
    public event Action<string>? CommandReceived;

    /// <summary>A thread of the app waits at <c>Detour.HotPatch.SafePoint()</c>; answer with <see cref="SafePointDone"/>.</summary>
    public event Action<int>? SafePointReached;

    /// <summary>Reads until the agent goes away (the app exited or was killed).</summary>
    public void ReadUntilClosed()
    {
        try
        {
            while (Frames.Read(_stream) is { } message)
                switch (message)
                {
                    case PatchResult r:
                        if (r.Generations is not null) Generations = r.Generations;
                        Answer(r.Id, r);
                        break;
                    case RevertResult r: Answer(r.Id, r); break;
                    case CommandRequest c: CommandReceived?.Invoke(c.Line); break;
                    case SafePointReached p: SafePointReached?.Invoke(p.Id); break;
                }
        }
        catch (Exception e) when (e is IOException or SocketException or ChannelException or ObjectDisposedException) { }
        finally
        {
            _closed = true;
            foreach (var waiting in _waiting.Values) waiting.TrySetException(new IOException("the app went away"));
        }
    }

    void Answer(int id, Message message)
    {
        if (_waiting.TryRemove(id, out var waiting)) waiting.TrySetResult(message);
    }

    T Ask<T>(int id, Message request) where T : Message
    {
        var answer = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = answer;
        if (_closed) throw new IOException("the app went away");
        Write(request);
        if (!answer.Task.Wait(AnswerLimit)) throw new IOException($"the app did not answer within {AnswerLimit.TotalSeconds:F0} s");
        return (T)answer.Task.Result;
    }

    public PatchResult Apply(PatchPlan plan)
    {
        try { return Ask<PatchResult>(plan.Id, plan); }
        catch (Exception e) when (e is IOException or AggregateException or SocketException or ObjectDisposedException)
        {
            // The plan may or may not have landed; the app is gone or unreachable either way.
            return new PatchResult(plan.Id, false, "the app could not be reached: " + (e.InnerException ?? e).Message);
        }
    }

    public RevertResult Revert(RevertRequest request)
    {
        try { return Ask<RevertResult>(request.Id, request); }
        catch (Exception e) when (e is IOException or AggregateException or SocketException or ObjectDisposedException)
        {
            return new RevertResult(request.Id, 0, "the app could not be reached: " + (e.InnerException ?? e).Message);
        }
    }

    public void Say(string line)
    {
        if (_closed || !Hello.PrintsReports) return;
        TryWrite(new Say([line]));
    }

    public void WantSafePoint(bool wanted) => TryWrite(new SafePointWanted(wanted));

    public void SafePointDone(int id) => TryWrite(new SafePointDone(id));

    void Write(Message message)
    {
        lock (_writeLock) Frames.Write(_stream, message);
    }

    void TryWrite(Message message)
    {
        if (_closed) return;
        try { Write(message); }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _closed = true;
        _stream.Dispose();
    }
}
