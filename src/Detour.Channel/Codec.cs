using System.Buffers.Binary;
using System.Text;

namespace Detour.Channel;

/// <summary>The messages as bytes: a kind byte, then each field in order (BinaryWriter's strings, counted lists,
/// length-prefixed byte arrays). Small and reflection-free on purpose: a JSON serializer, even a source-generated
/// one, added about 14 MB to the app (native-notes/agent-footprint.md). Decoding trusts nothing: every count and
/// length is checked against the bytes that are actually there, and a frame must be read to its last byte.</summary>
public static class Codec
{
    enum Kind : byte { Hello = 1, Welcome, Patch, PatchResult, Revert, RevertResult, Command, Say, Done, SafePointWanted, SafePointReached, SafePointDone, Shutdown }

    /// <summary>A whole frame: the 4-byte length, then the message.</summary>
    public static byte[] Encode(Message message)
    {
        var body = new MemoryStream();
        body.Write(stackalloc byte[4]);
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true)) Write(w, message);
        var frame = body.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(frame, frame.Length - 4);
        return frame;
    }

    static void Write(BinaryWriter w, Message message)
    {
        switch (message)
        {
            case Hello h:
                w.Write((byte)Kind.Hello); w.Write(h.Version); w.Write((byte)h.Role); w.Write(h.ProcessId); w.Write(h.EntryAssembly); w.Write(h.RuntimeDirectory);
                List(w, h.Assemblies, a => { w.Write(a.Name); w.Write(a.Path); w.Write(a.Mvid.ToByteArray()); w.Write(a.DebugBuild); });
                w.Write(h.PrintsReports); w.Write(h.StartupMilliseconds); List(w, h.FrameworkFolders ?? [], w.Write);
                w.Write(h.MetadataUpdates); w.Write(h.UpdateCapabilities); w.Write(h.NativeEngine);
                break;
            case Welcome m: w.Write((byte)Kind.Welcome); w.Write(m.Accepted); w.Write(m.Message); break;
            case PatchPlan p:
                w.Write((byte)Kind.Patch); w.Write(p.Id); w.Write(p.AssemblyName); Bytes(w, p.Image); Bytes(w, p.Symbols);
                List(w, p.Redirects, r => { w.Write(r.Original.Assembly); w.Write(r.Original.Token); w.Write(r.ReplacementToken); w.Write(r.Name); });
                List(w, p.Reinitializations, r => { w.Write(r.HolderTypeToken); w.Write(r.ShadowField); Field(w, r.LiveField); w.Write(r.Name); w.Write(r.Added); });
                w.Write(p.DryRun);
                List(w, p.UpdatedTypes ?? [], t => { w.Write(t.Assembly); w.Write(t.Token); w.Write(t.Name); });
                w.Write(p.AddsMembers);
                Update(w, p.RuntimeUpdate);
                Update(w, p.RuntimeInserts);
                break;
            case PatchResult r:
                w.Write((byte)Kind.PatchResult); w.Write(r.Id); w.Write(r.Applied); Optional(w, r.Error); List(w, r.Warnings ?? [], w.Write);
                w.Write(r.Generations is not null);
                if (r.Generations is { } g) { w.Write(g.Loaded); w.Write(g.Releasing); w.Write(g.Collected); }
                w.Write(r.InsertsApplied);
                break;
            case RevertRequest r:
                w.Write((byte)Kind.Revert); w.Write(r.Id); w.Write(r.Originals is not null);
                if (r.Originals is not null) List(w, r.Originals, m => { w.Write(m.Assembly); w.Write(m.Token); });
                Update(w, r.RuntimeUpdate);
                break;
            case RevertResult r: w.Write((byte)Kind.RevertResult); w.Write(r.Id); w.Write(r.Reverted); Optional(w, r.Error); break;
            case CommandRequest c: w.Write((byte)Kind.Command); w.Write(c.Line); break;
            case Say s: w.Write((byte)Kind.Say); List(w, s.Lines, w.Write); break;
            case Done: w.Write((byte)Kind.Done); break;
            case Shutdown: w.Write((byte)Kind.Shutdown); break;
            case SafePointWanted wanted: w.Write((byte)Kind.SafePointWanted); w.Write(wanted.Wanted); break;
            case SafePointReached reached: w.Write((byte)Kind.SafePointReached); w.Write(reached.Id); break;
            case SafePointDone done: w.Write((byte)Kind.SafePointDone); w.Write(done.Id); break;
            default: throw new ArgumentException($"no encoding for {message.GetType().Name}");
        }
    }

    /// <summary>The message in a frame's body; anything malformed is a <see cref="ChannelException"/>.</summary>
    public static Message Decode(byte[] body)
    {
        var stream = new MemoryStream(body, writable: false);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            var message = Read(r, body.Length);
            if (stream.Position != body.Length) throw new ChannelException($"{body.Length - stream.Position} bytes after the message");
            return message;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or ArgumentException or OverflowException or DecoderFallbackException)
        {
            throw new ChannelException("unreadable message: " + e.Message);
        }
    }

    static Message Read(BinaryReader r, int size)
    {
        var kind = (Kind)r.ReadByte();
        switch (kind)
        {
            case Kind.Hello:
                int version = r.ReadInt32();
                var role = (PeerRole)r.ReadByte();
                if (!Enum.IsDefined(role)) throw new ChannelException($"unknown role {(int)role}");
                return new Hello(version, role, r.ReadInt32(), r.ReadString(), r.ReadString(),
                    List(r, size, () => new LoadedAssembly(r.ReadString(), r.ReadString(), new Guid(Exactly(r, 16)), r.ReadBoolean())),
                    r.ReadBoolean(), r.ReadDouble(), List(r, size, r.ReadString), r.ReadBoolean(), r.ReadString(), r.ReadString());
            case Kind.Welcome: return new Welcome(r.ReadBoolean(), r.ReadString());
            case Kind.Patch:
                return new PatchPlan(r.ReadInt32(), r.ReadString(), Bytes(r, size), Bytes(r, size),
                    List(r, size, () => new Redirect(new MethodHandleRef(r.ReadString(), r.ReadInt32()), r.ReadInt32(), r.ReadString())),
                    List(r, size, () => new Reinitialization(r.ReadInt32(), r.ReadString(), Field(r), r.ReadString(), r.ReadBoolean())),
                    r.ReadBoolean(), List(r, size, () => new TypeHandleRef(r.ReadString(), r.ReadInt32(), r.ReadString())), r.ReadBoolean(), Update(r, size), Update(r, size));
            case Kind.PatchResult:
                return new PatchResult(r.ReadInt32(), r.ReadBoolean(), Optional(r), List(r, size, r.ReadString),
                    r.ReadBoolean() ? new GenerationCounts(r.ReadInt32(), r.ReadInt32(), r.ReadInt32()) : null, r.ReadBoolean());
            case Kind.Revert:
                int id = r.ReadInt32();
                return new RevertRequest(id, r.ReadBoolean() ? List(r, size, () => new MethodHandleRef(r.ReadString(), r.ReadInt32())) : null, Update(r, size));
            case Kind.RevertResult: return new RevertResult(r.ReadInt32(), r.ReadInt32(), Optional(r));
            case Kind.Command: return new CommandRequest(r.ReadString());
            case Kind.Say: return new Say(List(r, size, r.ReadString));
            case Kind.Done: return new Done();
            case Kind.Shutdown: return new Shutdown();
            case Kind.SafePointWanted: return new SafePointWanted(r.ReadBoolean());
            case Kind.SafePointReached: return new SafePointReached(r.ReadInt32());
            case Kind.SafePointDone: return new SafePointDone(r.ReadInt32());
            default: throw new ChannelException($"unknown message kind {(int)kind}");
        }
    }

    static void List<T>(BinaryWriter w, IReadOnlyList<T> items, Action<T> write)
    {
        w.Write(items.Count);
        foreach (var item in items) write(item);
    }

    /// <summary>A count can never exceed the bytes left: each item takes at least one.</summary>
    static List<T> List<T>(BinaryReader r, int size, Func<T> read)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > size - r.BaseStream.Position) throw new ChannelException($"a list of {count} items cannot fit in the frame");
        var items = new List<T>(count);
        for (int i = 0; i < count; i++) items.Add(read());
        return items;
    }

    static void Bytes(BinaryWriter w, byte[] bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    static byte[] Bytes(BinaryReader r, int size)
    {
        int length = r.ReadInt32();
        if (length < 0 || length > size - r.BaseStream.Position) throw new ChannelException($"{length} bytes cannot fit in the frame");
        return Exactly(r, length);
    }

    static byte[] Exactly(BinaryReader r, int length)
    {
        var bytes = r.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new ChannelException("truncated message");
    }

    static void Update(BinaryWriter w, MetadataUpdate? update)
    {
        w.Write(update is not null);
        if (update is null) return;
        w.Write(update.Assembly); Bytes(w, update.Metadata); Bytes(w, update.IL); Bytes(w, update.Pdb);
    }

    static MetadataUpdate? Update(BinaryReader r, int size) =>
        r.ReadBoolean() ? new MetadataUpdate(r.ReadString(), Bytes(r, size), Bytes(r, size), Bytes(r, size)) : null;

    static void Field(BinaryWriter w, FieldHandleRef field)
    {
        w.Write(field.Assembly); w.Write(field.Token); w.Write(field.TypeName); w.Write(field.Name);
    }

    static FieldHandleRef Field(BinaryReader r) => new(r.ReadString(), r.ReadInt32(), r.ReadString(), r.ReadString());

    static void Optional(BinaryWriter w, string? text)
    {
        w.Write(text is not null);
        if (text is not null) w.Write(text);
    }

    static string? Optional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;
}
