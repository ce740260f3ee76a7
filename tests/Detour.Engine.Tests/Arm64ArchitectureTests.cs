using Detour.Engine.Platform;
using NUnit.Framework;

namespace Detour.Engine.Tests;

/// <summary>The arm64 layer's reading and encoding, on hand-written instruction words; runs on every host. The engine
/// suite itself runs on arm64 under qemu in .ci/run.</summary>
public unsafe class Arm64ArchitectureTests
{
    static readonly Arm64Architecture Arm64 = new();
    const uint StpFpLrPreIndex = 0xA9BE7BFD; // stp x29, x30, [sp, #-32]!
    const uint MovFpSp = 0x910003FD;        // mov x29, sp
    const uint Adrp = 0x90000010;           // adrp x16, 0

    /// <summary>Words at an aligned address that stays put for the callback.</summary>
    static T With<T>(uint[] words, Func<nint, T> use)
    {
        var buffer = new ulong[(words.Length + 1) / 2 + 8];
        fixed (ulong* aligned = buffer)
        {
            for (int i = 0; i < words.Length; i++) ((uint*)aligned)[i] = words[i];
            return use((nint)aligned);
        }
    }

    static uint Word(byte[] bytes, int index) => BitConverter.ToUInt32(bytes, index * 4);

    [Test]
    public void FixupPrecode_WithDotnet10Barrier_GivesItsTargetSlot()
    {
        // ldr x11, [pc+16]; br x11; dmb ishld; ldr x12, [pc+16]; then the target at +16.
        var (slot, code) = With([0x5800008B, 0xD61F0160, 0xD50339BF, 0x5800008C, 0x12345678, 0x9ABC], at =>
        {
            var entry = Arm64.ReadEntryPoint(at);
            return (entry.Slot - at, entry.Code);
        });
        Assert.That(slot, Is.EqualTo((nint)16));
        Assert.That(code, Is.EqualTo(unchecked((nint)0x9ABC_12345678L)));
    }

    [Test]
    public void UnknownEntry_IsRefusedWithItsWords() =>
        Assert.That(() => With([Adrp, 0xD61F0200, 0, 0], at => Arm64.ReadEntryPoint(at)),
            Throws.TypeOf<DetourException>().With.Message.Contain("90000010 D61F0200"));

    [Test]
    public void DebugPrologue_HasOneSiteAtTheStart_WrittenAsOneFourByteStore()
    {
        var sites = With([StpFpLrPreIndex, MovFpSp], Arm64.FindJumpSites);
        Assert.That(sites, Has.Count.EqualTo(1));
        Assert.That((sites[0].Offset, sites[0].StoreBytes, sites[0].ChangesOneByte), Is.EqualTo((0, 4, false)));
    }

    [Test]
    public void PcRelativeFirstInstruction_IsNoSite() =>
        Assert.That(With([Adrp, MovFpSp], Arm64.FindJumpSites), Is.Empty);

    [Test]
    public void SiteJump_IsABranchToTheTrampoline_WithinItsReach()
    {
        var site = new JumpSite(0, 0, 4, "test");
        nint code = unchecked((nint)0x10_0000_0000L);
        var jump = Arm64.EncodeSiteJump(code, site, code - 0x1000);
        Assert.That(jump.Address, Is.EqualTo(code));
        Assert.That(Word(jump.Bytes, 0), Is.EqualTo(0x14000000u | (0x03FF_FFFFu & unchecked((uint)(-0x1000 >> 2)))));
        Assert.That(() => Arm64.EncodeSiteJump(code, site, code + (128 << 20)), Throws.TypeOf<DetourException>());
    }

    [Test]
    public void Continuation_RunsTheMovedInstruction_ThenResumesAfterIt_AtAnyAlignment()
    {
        var site = new JumpSite(0, 0, 4, "test");
        With([StpFpLrPreIndex, MovFpSp], code =>
        {
            foreach (nint at in new[] { unchecked((nint)0x20_0000_0000L), unchecked((nint)0x20_0000_0004L) })
            {
                var bytes = Arm64.EncodeContinuation(at, code, site);
                Assert.That(bytes, Has.Length.EqualTo(24), "the same length everywhere, as the factory plans it");
                Assert.That(Word(bytes, 0), Is.EqualTo(StpFpLrPreIndex));
                uint ldr = Word(bytes, 1);
                Assert.That(ldr & 0xFF00001F, Is.EqualTo(0x58000010u), "ldr x16, literal");
                long literal = at + 4 + ((int)(ldr << 8) >> 13) * 4;
                Assert.That(literal % 8, Is.Zero, "the resume address is 8-aligned");
                Assert.That(BitConverter.ToInt64(bytes, (int)(literal - at)), Is.EqualTo((long)code + 4));
                Assert.That(Word(bytes, 2), Is.EqualTo(0xD61F0200u), "br x16");
            }
            return 0;
        });
    }

    [Test]
    public void IndirectJump_LoadsTheSlotIntoX16AndBranches()
    {
        var bytes = Arm64.EncodeIndirectJump(0x1000, 0x1008);
        Assert.That(Word(bytes, 0), Is.EqualTo(0x58000050u), "ldr x16, [pc+8]");
        Assert.That(Word(bytes, 1), Is.EqualTo(0xD61F0200u));
        Assert.That(() => Arm64.EncodeIndirectJump(0x1000, 0x1000 + (1 << 20)), Throws.TypeOf<DetourException>());
    }

    [Test]
    public void OnArm64_DebugMethodsOfEveryKind_StartWithAnInstructionThatCanMove()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.Arm64)
            Assert.Ignore("reads this process's own JIT code");
        var methods = new[]
        {
            typeof(Racer).GetMethod(nameof(Racer.Get))!, typeof(Racer).GetMethod(nameof(Racer.GetVirtual))!,
            typeof(LargeMaker).GetMethod(nameof(LargeMaker.Make))!, typeof(HotVirtuals).GetMethod(nameof(HotVirtuals.Replacement))!,
        };
        foreach (var method in methods)
        {
            var entry = CompiledMethod.Locate(method, Arm64);
            TestContext.Out.WriteLine($"{method.DeclaringType!.Name}.{method.Name}: entry {(entry.HasPrecode ? "FixupPrecode " + Arm64.Describe(entry.Stub, 3) + $", slot +0x{entry.Slot - entry.Stub:X}" : "code itself")}; code {Arm64.Describe(entry.Code, 4)}");
            Assert.That(Arm64.FindJumpSites(entry.Code), Has.Count.EqualTo(1), $"{method.Name}: {Arm64.Describe(entry.Code, 4)}");
        }
    }
}
