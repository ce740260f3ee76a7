namespace Detour.Engine.Platform;

/// <summary>What a method's callable entry point turned out to be.</summary>
/// <param name="Slot">For a precode stub: the data slot its first jump reads, which holds the code address.</param>
/// <param name="Code">The method's current native code.</param>
internal readonly record struct EntryPoint(nint Stub, nint Slot, nint Code)
{
    public bool HasPrecode => Slot != 0;
}

/// <summary>Where a method's code gets its jump. Only the bytes of one instruction change, so a thread anywhere in
/// the method sees the old instruction or the whole jump.</summary>
/// <param name="Offset">The instruction the jump replaces, from the code start.</param>
/// <param name="FixedTarget">Nonzero when only the byte at the site changes: the bytes after it are the jump's
/// displacement, so the trampoline must be mapped exactly there.</param>
/// <param name="StoreBytes">The size of the one store that writes the jump: 1, or an aligned block of 8 or 16.</param>
internal sealed record JumpSite(int Offset, nint FixedTarget, int StoreBytes, string Description)
{
    public bool ChangesOneByte => FixedTarget != 0;
}

/// <summary>A single store into code: one byte, or an aligned 8- or 16-byte block.</summary>
internal readonly record struct CodeWrite(nint Address, byte[] Bytes);

/// <summary>The instruction-set services the engine needs; one implementation per architecture.</summary>
internal interface IArchitecture
{
    /// <summary>How far the site's jump reaches: trampolines are placed within this many bytes of the code.</summary>
    long BranchReach { get; }

    /// <summary>True when the precode still leads to the runtime's fixup, not to compiled code.</summary>
    bool IsUncompiled(EntryPoint entry);

    /// <summary>Reads the entry point of a compiled method, recognising the runtime's precode stub.
    /// Throws <see cref="DetourException"/> for any pattern it does not know.</summary>
    EntryPoint ReadEntryPoint(nint entry);

    /// <summary>True when the bytes at <paramref name="code"/> are a method start the engine knows.</summary>
    bool IsKnownPrologue(nint code);

    /// <summary>Where the jump to a trampoline can go in the method's code, best first; empty when nowhere is safe.</summary>
    IReadOnlyList<JumpSite> FindJumpSites(nint code);

    /// <summary>The one atomic store that puts a jump to <paramref name="trampoline"/> at <paramref name="site"/>.</summary>
    CodeWrite EncodeSiteJump(nint code, JumpSite site, nint trampoline);

    /// <summary>Code at <paramref name="at"/> that undoes what ran before the site, then jumps through <paramref name="targetSlot"/>.</summary>
    byte[] EncodeEntry(nint at, nint code, JumpSite site, nint targetSlot);

    /// <summary>The instruction the jump replaced, moved to <paramref name="at"/>, then a jump back to the rest of the method.</summary>
    byte[] EncodeContinuation(nint at, nint code, JumpSite site);

    /// <summary>Encodes an indirect jump at <paramref name="at"/> through the pointer at <paramref name="slot"/>.</summary>
    byte[] EncodeIndirectJump(nint at, nint slot);

    /// <summary>Disassembles a few instructions, for error messages.</summary>
    string Describe(nint address, int instructions = 3);
}
