using Detour.Channel;
using NUnit.Framework;

namespace Detour.Unit.Tests;

/// <summary>The plan format: every message survives the wire, and nothing malformed gets past the decoder.</summary>
public class CodecTests
{
    static readonly Message[] Samples =
    [
        new Hello(Frames.Version, PeerRole.Agent, 42, "/app/App.dll", "/runtime/", [new LoadedAssembly("App", "/app/App.dll", Guid.NewGuid(), true)], true, 1.5,
            ["/dotnet/shared/Microsoft.NETCore.App/10.0.12", "/dotnet/shared/Microsoft.AspNetCore.App/10.0.12"]),
        new Welcome(false, "no"),
        new PatchPlan(7, "App.Detour.3", [1, 2, 3], [4, 5], [new Redirect(new MethodHandleRef("App", 0x06000001), 0x06000002, "Game.Twice")],
            [new Reinitialization(0x02000003, "Speed", new FieldHandleRef("App", 0x04000001), "Game.Speed")], false,
            [new TypeHandleRef("App", 0x02000004), new TypeHandleRef("App.Detour.3", 0x02000009)], AddsMembers: true),
        new PatchResult(7, false, "rolled back"),
        new PatchResult(8, true, null, ["App.Cache.ClearCache threw: boom"]),
        new PatchResult(8, true, null),
        new PatchResult(9, true, null, [], new GenerationCounts(2, 3, 40)),
        new RevertRequest(9, null),
        new RevertRequest(10, [new MethodHandleRef("Lib", 0x06000005)]),
        new RevertResult(10, 1, null),
        new CommandRequest("%status"),
        new Say(["one", "two"]),
        new Done(),
        new SafePointWanted(true),
        new SafePointReached(3),
        new SafePointDone(3),
    ];

    [TestCaseSource(nameof(Samples))]
    public void EveryMessage_SurvivesTheWire(Message message)
    {
        var back = Frames.Read(new MemoryStream(Frames.Encode(message)))!;
        Assert.That(back.GetType(), Is.EqualTo(message.GetType()));
        // Records compare lists by reference; their wire form is the test of equality.
        Assert.That(Frames.Encode(back), Is.EqualTo(Frames.Encode(message)));
    }

    [Test]
    public void TruncatedFrames_AreRefused_AtEveryLength()
    {
        var frame = Frames.Encode(Samples[2]);
        for (int length = 1; length < frame.Length; length++)
            Assert.Throws<ChannelException>(() => Frames.Read(new MemoryStream(frame[..length])), $"cut at {length} of {frame.Length} bytes");
    }

    [Test]
    public void AnEmptyStream_IsACleanEnd() => Assert.That(Frames.Read(new MemoryStream()), Is.Null);

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(Frames.MaxBytes + 1)]
    public void FrameLengthsOutOfBounds_AreRefused_BeforeAnythingIsAllocated(int length)
    {
        var header = BitConverter.GetBytes(length);
        var e = Assert.Throws<ChannelException>(() => Frames.Read(new MemoryStream(header)))!;
        Assert.That(e.Message, Does.Contain("refused"));
    }

    [Test]
    public void ACountLargerThanTheFrame_IsRefused()
    {
        // A Say whose list claims two billion lines in a 9-byte body.
        var body = new byte[] { 8, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0 };
        var e = Assert.Throws<ChannelException>(() => Codec.Decode(body))!;
        Assert.That(e.Message, Does.Contain("cannot fit"));
    }

    [Test]
    public void TrailingBytes_AndUnknownKinds_AreRefused()
    {
        var frame = Frames.Encode(new Done());
        Assert.Throws<ChannelException>(() => Codec.Decode([.. frame[4..], 0]));
        Assert.Throws<ChannelException>(() => Codec.Decode([200]));
    }

    [Test]
    public void RandomBytes_NeverEscapeAsAnythingButChannelException()
    {
        var random = new Random(1234);
        int decoded = 0, refused = 0;
        var escaped = new List<string>();
        for (int i = 0; i < 20_000; i++)
        {
            var body = new byte[random.Next(1, 64)];
            random.NextBytes(body);
            if (i % 2 == 0) body[0] = (byte)random.Next(1, 10); // a real kind, random fields
            try { Codec.Decode(body); decoded++; }
            catch (ChannelException) { refused++; }
            catch (Exception e) { escaped.Add($"{e.GetType().Name} for {Convert.ToHexString(body)}"); }
        }
        Assert.That(escaped, Is.Empty, "every malformed body is a ChannelException");
        Assert.That((decoded > 0, refused > 0), Is.EqualTo((true, true)), $"both paths were taken: {decoded} decoded, {refused} refused");
    }
}
