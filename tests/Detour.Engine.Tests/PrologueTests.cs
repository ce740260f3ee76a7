using System.Runtime.InteropServices;
using Detour.Engine.Platform;
using Iced.Intel;
using NUnit.Framework;

namespace Detour.Engine.Tests;

/// <summary>Where the x64 layer puts a method's jump, and what its trampoline undoes, on hand-written prologues.</summary>
public unsafe class PrologueTests
{
    [SetUp]
    public void OnX64Only()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Ignore("x64 encodings; Arm64ArchitectureTests cover arm64's");
    }

    static readonly X64Architecture Linux = new(windowsAbi: false);

    static nint Place(byte[] prologue)
    {
        var at = (byte*)NativeMemory.AlignedAlloc(128, 16);
        new Span<byte>(at, 128).Fill(0xCC);
        prologue.CopyTo(new Span<byte>(at, prologue.Length));
        return (nint)at;
    }

    static IEnumerable<string> FiveByteSites(byte[] prologue) =>
        Linux.FindJumpSites(Place(prologue)).Where(s => !s.ChangesOneByte).Select(s => s.Description);

    [Test]
    public void DebugFrame_JumpReplacesTheLeaThatSetsTheFramePointer() =>
        // push rbp; sub rsp,20h; lea rbp,[rsp+20h]; mov [rbp-8],rdi; ret
        Assert.That(FiveByteSites([0x55, 0x48, 0x83, 0xEC, 0x20, 0x48, 0x8D, 0x6C, 0x24, 0x20, 0x48, 0x89, 0x7D, 0xF8, 0xC3]),
            Is.EqualTo(new[] { "5-byte Lea at +5, one 16-byte store" }));

    [Test]
    public void NoFrame_JumpReplacesTheJustMyCodeProbe() =>
        // push rbp; mov rbp,rsp; cmp dword [rip+100h],0; je +5; call +0; pop rbp; ret
        Assert.That(FiveByteSites([0x55, 0x48, 0x8B, 0xEC, 0x83, 0x3D, 0x00, 0x01, 0x00, 0x00, 0x00, 0x74, 0x05,
                0xE8, 0x00, 0x00, 0x00, 0x00, 0x5D, 0xC3]),
            Is.EqualTo(new[] { "7-byte Cmp at +4, one 16-byte store" }));

    [Test]
    public void CompareThatIsNotTheProbe_IsNoSite() =>
        // push rbp; mov rbp,rsp; cmp dword [rip+100h],0; je +2 (not over a call); ...
        Assert.That(FiveByteSites([0x55, 0x48, 0x8B, 0xEC, 0x83, 0x3D, 0x00, 0x01, 0x00, 0x00, 0x00, 0x74, 0x02,
                0x33, 0xC0, 0x5D, 0xC3]),
            Is.Empty);

    [Test]
    public void PrologueThatClobbersAnArgument_EndsTheSearch() =>
        // push rbp; mov rdi,rsi; sub rsp,10h; lea rbp,[rsp+10h]: undoing would need rdi's value, which is gone.
        Assert.That(FiveByteSites([0x55, 0x48, 0x8B, 0xFE, 0x48, 0x83, 0xEC, 0x10, 0x48, 0x8D, 0x6C, 0x24, 0x10, 0xC3]),
            Is.Empty);

    [Test]
    public void Entry_RestoresPushedRegistersAndTheStack_ThenJumps()
    {
        // push rbp; push rbx; sub rsp,18h; lea rbp,[rsp+20h]: the jump replaces the lea.
        nint code = Place([0x55, 0x53, 0x48, 0x83, 0xEC, 0x18, 0x48, 0x8D, 0x6C, 0x24, 0x20, 0xC3]);
        var site = Linux.FindJumpSites(code).Single(s => !s.ChangesOneByte);
        Assert.That(site.Offset, Is.EqualTo(6));
        nint slot = code + 120;
        Assert.That(Disassemble(Linux.EncodeEntry(code + 64, code, site, slot), code + 64),
            Is.EqualTo(new[] { "mov rbp,[rsp+20h]", "mov rbx,[rsp+18h]", "lea rsp,[rsp+28h]", $"jmp qword ptr [{(long)slot:X}h]" }));
    }

    [Test]
    public void WindowsAbi_DoesNotTreatXmm8AsScratch()
    {
        // push rbp; sub rsp,20h; vxorps xmm8,xmm8,xmm8; lea rbp,[rsp+20h]: xmm8 is callee-saved on Windows.
        byte[] prologue = [0x55, 0x48, 0x83, 0xEC, 0x20, 0xC4, 0x41, 0x38, 0x57, 0xC0, 0x48, 0x8D, 0x6C, 0x24, 0x20, 0xC3];
        Assert.That(FiveByteSites(prologue), Has.Some.StartsWith("5-byte Lea at +10"));
        var windows = new X64Architecture(windowsAbi: true);
        Assert.That(windows.FindJumpSites(Place(prologue)).Where(s => !s.ChangesOneByte), Is.Empty);
    }

    [Test]
    public void OneByteSite_NamesTheAddressItsBytesAlreadyEncode()
    {
        nint code = Place([0x55, 0x48, 0x83, 0xEC, 0x20, 0x48, 0x8D, 0x6C, 0x24, 0x20, 0xC3]);
        var first = Linux.FindJumpSites(code)[0];
        Assert.That(first.ChangesOneByte && first.Offset == 0, Is.True);
        Assert.That(first.FixedTarget, Is.EqualTo(code + 5 + 0x20EC8348));
        Assert.That(Linux.EncodeSiteJump(code, first, first.FixedTarget).Bytes, Is.EqualTo(new byte[] { 0xE9 }));
    }

    static string[] Disassemble(byte[] bytes, nint at)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(bytes), (ulong)at);
        var formatter = new IntelFormatter();
        var lines = new List<string>();
        while (decoder.IP < (ulong)at + (ulong)bytes.Length)
        {
            var output = new StringOutput();
            formatter.Format(decoder.Decode(), output);
            lines.Add(output.ToStringAndReset());
        }
        return lines.ToArray();
    }
}
