namespace Detour.Engine.Platform;

/// <summary>Arm64 (A64). Every instruction is four aligned bytes, so the code-start jump is one <c>B</c> written by
/// one aligned 4-byte store, and nothing before it has run when a thread takes it: the entry has nothing to undo.
/// Trampolines must lie within <c>B</c>'s ±128 MB. See native-notes/arm64.md for the patterns relied on here.</summary>
internal sealed unsafe class Arm64Architecture : IArchitecture
{
    const uint BrX16 = 0xD61F0200, Nop = 0xD503201F, DmbIshld = 0xD50339BF;
    const int X11 = 11, X12 = 12, X16 = 16;

    /// <summary>B reaches ±128 MB; a page is kept spare at each end.</summary>
    public long BranchReach => 0x07FF_0000;

    static uint At(nint address) => *(uint*)address;

    static bool IsLdrLiteral64(uint instruction, int rt) => (instruction & 0xFF00001F) == (0x58000000u | (uint)rt);

    static bool IsBr(uint instruction, int rn) => instruction == (0xD61F0000u | ((uint)rn << 5));

    static nint LiteralAddress(nint at, uint ldr)
    {
        int imm19 = (int)(ldr << 8) >> 13; // bits 23..5, sign-extended
        return at + imm19 * 4;
    }

    public EntryPoint ReadEntryPoint(nint entry)
    {
        // FixupPrecode: ldr x11, Target; br x11; [dmb ishld;] ldr x12, MethodDesc; ... Target is the slot, on the data
        // page after the code page. The barrier came in with .NET 10.
        uint first = At(entry), second = At(entry + 4), third = At(entry + 8);
        if (IsLdrLiteral64(first, X11) && IsBr(second, X11) && (third == DmbIshld || IsLdrLiteral64(third, X12)))
        {
            nint slot = LiteralAddress(entry, first);
            if (slot % 8 != 0)
                throw new DetourException($"precode slot at 0x{slot:X} is not 8-byte aligned, so it cannot be swapped atomically");
            return new EntryPoint(entry, slot, *(nint*)slot);
        }
        if (IsKnownPrologue(entry)) return new EntryPoint(0, 0, entry);
        throw new DetourException($"unknown entry stub at 0x{entry:X}: {Describe(entry)}");
    }

    /// <summary>Until the method is compiled, its precode's target is the precode's own third instruction.</summary>
    public bool IsUncompiled(EntryPoint entry) => entry.HasPrecode && (entry.Code == entry.Stub + 8 || entry.Code == 0);

    public bool IsKnownPrologue(nint code) => MovableFirstInstruction(At(code)) is not null;

    /// <summary>The JIT's first instructions that read no PC and branch nowhere, so they run the same anywhere.</summary>
    static string? MovableFirstInstruction(uint instruction) =>
        (instruction & 0xFFC003E0) == 0xA98003E0 ? "stp pre-index on sp" // stp xA, xB, [sp, #-n]!
        : (instruction & 0xFF8003FF) == 0xD10003FF ? "sub sp, sp, #n"
        : instruction == 0xD503233F ? "paciasp"
        : instruction == 0xD503237F ? "pacibsp"
        : null;

    public IReadOnlyList<JumpSite> FindJumpSites(nint code) =>
        MovableFirstInstruction(At(code)) is { } name ? [new JumpSite(0, 0, 4, $"b at +0 ({name}), one 4-byte store")] : [];

    public CodeWrite EncodeSiteJump(nint code, JumpSite site, nint trampoline)
    {
        nint at = code + site.Offset;
        long distance = (long)trampoline - at;
        if (Math.Abs(distance) >= 128L << 20 || distance % 4 != 0)
            throw new DetourException($"trampoline 0x{trampoline:X} is out of B's reach of 0x{at:X}");
        uint branch = 0x14000000u | (uint)((distance >> 2) & 0x03FF_FFFF);
        return new CodeWrite(at, BitConverter.GetBytes(branch));
    }

    public byte[] EncodeEntry(nint at, nint code, JumpSite site, nint targetSlot)
    {
        if (site.Offset != 0) throw new DetourException($"arm64 sites are at the code start, not +{site.Offset}");
        return Words(LdrLiteral(at, X16, targetSlot), BrX16);
    }

    public byte[] EncodeContinuation(nint at, nint code, JumpSite site)
    {
        // The moved instruction, then ldr x16, resume; br x16; the resume address 8-aligned after them. A nop pads
        // before or after it, so the length is the same at every address.
        uint moved = At(code + site.Offset);
        bool padFirst = (at + 12) % 8 != 0;
        nint resumeAt = at + (padFirst ? 16 : 12);
        var bytes = new List<byte>(Words(moved, LdrLiteral(at + 4, X16, resumeAt), BrX16));
        if (padFirst) bytes.AddRange(Words(Nop));
        bytes.AddRange(BitConverter.GetBytes((long)(code + site.Offset + 4)));
        if (!padFirst) bytes.AddRange(Words(Nop));
        return [.. bytes];
    }

    public byte[] EncodeIndirectJump(nint at, nint slot) => Words(LdrLiteral(at, X16, slot), BrX16);

    static uint LdrLiteral(nint at, int rt, nint literal)
    {
        long distance = (long)literal - at;
        if (Math.Abs(distance) >= 1 << 20 || distance % 4 != 0)
            throw new DetourException($"0x{literal:X} is out of ldr's reach of 0x{at:X}");
        return 0x58000000u | (uint)(((distance >> 2) & 0x7FFFF) << 5) | (uint)rt;
    }

    static byte[] Words(params uint[] words)
    {
        var bytes = new byte[words.Length * 4];
        for (int i = 0; i < words.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), words[i]);
        return bytes;
    }

    /// <summary>The instruction words, in hex: no A64 disassembler is worth carrying into the app for a message.</summary>
    public string Describe(nint address, int instructions = 3)
    {
        var text = new string[instructions];
        for (int i = 0; i < instructions; i++) text[i] = At(address + i * 4).ToString("X8");
        return string.Join(" ", text);
    }
}
