using System.Runtime.Intrinsics.X86;
using Iced.Intel;

namespace Detour.Engine.Platform;

/// <summary>x64, decoded and encoded with Iced. See native-notes/precode-stubs.md and
/// native-notes/code-start-jump.md for the byte patterns relied on here.</summary>
internal sealed unsafe class X64Architecture(bool windowsAbi) : IArchitecture
{
    const byte PushRbp = 0x55, JmpRel32 = 0xE9;

    // Volatile registers that carry no argument: a trampoline may leave them as the moved-over prologue set them.
    readonly HashSet<Register> _scratch = windowsAbi
        ? [Register.RAX, Register.R10, Register.R11, Register.ZMM4, Register.ZMM5]
        : [Register.RAX, Register.R10, Register.R11, Register.ZMM8, Register.ZMM9, Register.ZMM10, Register.ZMM11,
           Register.ZMM12, Register.ZMM13, Register.ZMM14, Register.ZMM15];

    static Decoder DecoderAt(nint address, int length) =>
        Decoder.Create(64, new ByteArrayCodeReader(new ReadOnlySpan<byte>((void*)address, length).ToArray()), (ulong)address);

    static bool IsRipIndirectJump(in Instruction i) =>
        i.Mnemonic == Mnemonic.Jmp && i.Op0Kind == OpKind.Memory && i.IsIPRelativeMemoryOperand;

    /// <summary>rel32 reaches ±2 GB; a megabyte is kept spare.</summary>
    public long BranchReach => 0x7FF0_0000;

    /// <summary>Until the method is compiled, its precode's slot points at the precode's own second instruction.</summary>
    public bool IsUncompiled(EntryPoint entry) => entry.HasPrecode && (entry.Code == entry.Stub + 6 || entry.Code == 0);

    public EntryPoint ReadEntryPoint(nint entry)
    {
        var decoder = DecoderAt(entry, 32);
        var first = decoder.Decode();
        var second = decoder.Decode();
        var third = decoder.Decode();
        // FixupPrecode: jmp [rip+X]; mov r10,[rip+Y]; jmp [rip+Z]. The slot at X holds the code address.
        if (IsRipIndirectJump(first) && second.Mnemonic == Mnemonic.Mov && second.Op0Register == Register.R10
            && IsRipIndirectJump(third))
        {
            nint slot = (nint)first.IPRelativeMemoryAddress;
            if (slot % 8 != 0)
                throw new DetourException($"precode slot at 0x{slot:X} is not 8-byte aligned, so it cannot be swapped atomically");
            return new EntryPoint(entry, slot, *(nint*)slot);
        }
        if (IsKnownPrologue(entry)) return new EntryPoint(0, 0, entry);
        throw new DetourException($"unknown entry stub at 0x{entry:X}: {Describe(entry)}");
    }

    public bool IsKnownPrologue(nint code)
    {
        var decoder = DecoderAt(code, 32);
        var instructions = new List<Instruction>();
        while ((long)decoder.IP - (long)code < 8) instructions.Add(decoder.Decode());
        // Debug-built methods begin with push rbp; the instructions covering the first 8 bytes
        // must be straight-line code so they can be moved into a continuation.
        if (*(byte*)code != PushRbp || instructions[0].Length != 1) return false;
        foreach (var i in instructions)
            if (i.IsInvalid || i.FlowControl != FlowControl.Next) return false;
        return true;
    }

    public IReadOnlyList<JumpSite> FindJumpSites(nint code) => new List<JumpSite>(PrologueAt(code).Sites());

    X64Prologue PrologueAt(nint code) =>
        new(new ReadOnlySpan<byte>((void*)code, X64Prologue.BytesToRead(code, Environment.SystemPageSize)), code, _scratch,
            sixteenByteStoresAtomic: Avx.IsSupported);

    public CodeWrite EncodeSiteJump(nint code, JumpSite site, nint trampoline)
    {
        nint at = code + site.Offset;
        long rel = (long)trampoline - ((long)at + 5);
        if (rel is < int.MinValue or > int.MaxValue)
            throw new DetourException($"trampoline 0x{trampoline:X} is out of rel32 reach of 0x{at:X}");
        if (site.ChangesOneByte)
        {
            if (trampoline != site.FixedTarget) throw new DetourException($"a one-byte jump at 0x{at:X} can only reach 0x{site.FixedTarget:X}");
            return new CodeWrite(at, [JmpRel32]);
        }
        // The five bytes lie inside one aligned block (the site says which size); the whole block goes in one store.
        nint blockStart = at & ~(nint)(site.StoreBytes - 1);
        var bytes = new ReadOnlySpan<byte>((void*)blockStart, site.StoreBytes).ToArray();
        int into = (int)(at - blockStart);
        bytes[into] = JmpRel32;
        BitConverter.TryWriteBytes(bytes.AsSpan(into + 1), (int)rel);
        return new CodeWrite(blockStart, bytes);
    }

    public byte[] EncodeEntry(nint at, nint code, JumpSite site, nint targetSlot)
    {
        var frame = PrologueAt(code).FrameBefore(site);
        var undo = new List<Instruction>();
        foreach (var (register, offset) in frame.Saved)
            undo.Add(Instruction.Create(Code.Mov_r64_rm64, register, new MemoryOperand(Register.RSP, offset - frame.StackOffset)));
        if (frame.StackOffset != 0)
            undo.Add(Instruction.Create(Code.Lea_r64_m, Register.RSP, new MemoryOperand(Register.RSP, -frame.StackOffset)));
        undo.Add(Instruction.Create(Code.Jmp_rm64, new MemoryOperand(Register.RIP, (long)targetSlot)));
        var writer = new BufferWriter();
        if (!BlockEncoder.TryEncode(64, new InstructionBlock(writer, undo, (ulong)at), out var error, out _))
            throw new DetourException($"could not encode the entry for 0x{code:X}: {error}");
        return writer.Bytes.ToArray();
    }

    public byte[] EncodeContinuation(nint at, nint code, JumpSite site)
    {
        // The one instruction the jump replaced, moved, then back to the instruction after it.
        nint from = code + site.Offset;
        var decoder = DecoderAt(from, 16);
        var moved = decoder.Decode();
        var writer = new BufferWriter();
        if (!BlockEncoder.TryEncode(64, new InstructionBlock(writer, [moved], (ulong)at), out var error, out _))
            throw new DetourException($"could not relocate the instruction at 0x{from:X}: {error}");
        // jmp [rip+0] followed by the absolute address to resume at.
        writer.Bytes.AddRange([0xFF, 0x25, 0, 0, 0, 0]);
        writer.Bytes.AddRange(BitConverter.GetBytes(moved.NextIP));
        return writer.Bytes.ToArray();
    }

    public byte[] EncodeIndirectJump(nint at, nint slot)
    {
        var writer = new BufferWriter();
        Encoder.Create(64, writer).Encode(Instruction.Create(Code.Jmp_rm64, new MemoryOperand(Register.RIP, (long)slot)), (ulong)at);
        return writer.Bytes.ToArray();
    }

    public string Describe(nint address, int instructions = 3)
    {
        var decoder = DecoderAt(address, 16 * instructions);
        var text = new string[instructions];
        for (int i = 0; i < instructions; i++) text[i] = decoder.Decode().ToString();
        return string.Join("; ", text);
    }

    sealed class BufferWriter : CodeWriter
    {
        public readonly List<byte> Bytes = new();
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
