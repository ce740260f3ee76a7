using Iced.Intel;

namespace Detour.Engine.Platform;

/// <summary>x64, decoded and encoded with Iced. See native-notes/precode-stubs.md and
/// native-notes/code-start-jump.md for the byte patterns relied on here.</summary>
internal sealed unsafe class X64Architecture : IArchitecture
{
    const byte PushRbp = 0x55, JmpRel32 = 0xE9;

    static Decoder DecoderAt(nint address, int length) =>
        Decoder.Create(64, new ByteArrayCodeReader(new ReadOnlySpan<byte>((void*)address, length).ToArray()), (ulong)address);

    static bool IsRipIndirectJump(in Instruction i) =>
        i.Mnemonic == Mnemonic.Jmp && i.Op0Kind == OpKind.Memory && i.IsIPRelativeMemoryOperand;

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
        if (IsKnownPrologue(entry, out _)) return new EntryPoint(0, 0, entry);
        throw new DetourException($"unknown entry stub at 0x{entry:X}: {Describe(entry)}");
    }

    public bool IsKnownPrologue(nint code, out string description)
    {
        var decoder = DecoderAt(code, 32);
        var instructions = new List<Instruction>();
        while ((long)decoder.IP - (long)code < 8) instructions.Add(decoder.Decode());
        description = string.Join("; ", instructions);
        // Debug-built methods begin with push rbp; the instructions covering the first 8 bytes
        // must be straight-line code so they can be moved into a continuation.
        return *(byte*)code == PushRbp && instructions[0].Length == 1
            && instructions.All(i => !i.IsInvalid && i.FlowControl == FlowControl.Next);
    }

    public nint OneByteJumpTarget(nint code) => (nint)((long)code + 5 + *(int*)(code + 1));

    public byte[] EncodeCodeStartJump(nint code, nint trampoline)
    {
        long rel = (long)trampoline - ((long)code + 5);
        if (rel is < int.MinValue or > int.MaxValue)
            throw new DetourException($"trampoline 0x{trampoline:X} is out of rel32 reach of 0x{code:X}");
        var bytes = new byte[5];
        bytes[0] = JmpRel32;
        BitConverter.TryWriteBytes(bytes.AsSpan(1), (int)rel);
        return bytes;
    }

    public byte[] EncodeIndirectJump(nint at, nint slot)
    {
        var writer = new BufferWriter();
        Encoder.Create(64, writer).Encode(Instruction.Create(Code.Jmp_rm64, new MemoryOperand(Register.RIP, (long)slot)), (ulong)at);
        return writer.Bytes.ToArray();
    }

    public byte[] EncodeContinuation(nint at, nint code, int minimumBytes)
    {
        var decoder = DecoderAt(code, 32);
        var moved = new List<Instruction>();
        while ((long)decoder.IP - (long)code < minimumBytes) moved.Add(decoder.Decode());
        ulong resume = decoder.IP;
        var writer = new BufferWriter();
        if (!BlockEncoder.TryEncode(64, new InstructionBlock(writer, moved, (ulong)at), out var error, out _))
            throw new DetourException($"could not relocate the prologue at 0x{code:X}: {error}");
        // jmp [rip+0] followed by the absolute address to resume at.
        writer.Bytes.AddRange([0xFF, 0x25, 0, 0, 0, 0]);
        writer.Bytes.AddRange(BitConverter.GetBytes(resume));
        return writer.Bytes.ToArray();
    }

    public string Describe(nint address, int instructions = 3)
    {
        var decoder = DecoderAt(address, 16 * instructions);
        return string.Join("; ", Enumerable.Range(0, instructions).Select(_ => decoder.Decode().ToString()));
    }

    sealed class BufferWriter : CodeWriter
    {
        public readonly List<byte> Bytes = new();
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
