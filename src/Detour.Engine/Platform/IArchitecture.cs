namespace Detour.Engine.Platform;

/// <summary>What a method's callable entry point turned out to be.</summary>
/// <param name="Slot">For a precode stub: the data slot its first jump reads, which holds the code address.</param>
/// <param name="Code">The method's current native code.</param>
public readonly record struct EntryPoint(nint Stub, nint Slot, nint Code)
{
    public bool HasPrecode => Slot != 0;
}

/// <summary>The instruction-set services the engine needs; one implementation per architecture.</summary>
public interface IArchitecture
{
    /// <summary>Reads the entry point of a compiled method, recognising the runtime's precode stub.
    /// Throws <see cref="DetourException"/> for any pattern it does not know.</summary>
    EntryPoint ReadEntryPoint(nint entry);

    /// <summary>True when the bytes at <paramref name="code"/> are a method start the engine knows.</summary>
    bool IsKnownPrologue(nint code, out string description);

    /// <summary>Bytes of a code-start jump to <paramref name="trampoline"/> ("E9 rel32"), and how many bytes at the code start it replaces.</summary>
    byte[] EncodeCodeStartJump(nint code, nint trampoline);

    /// <summary>Where a one-byte code-start jump would land: the rel32 is the four bytes already after
    /// the first instruction, so only byte 0 changes (native-notes/code-start-jump.md).</summary>
    nint OneByteJumpTarget(nint code);

    /// <summary>Encodes an indirect jump at <paramref name="at"/> through the pointer at <paramref name="slot"/>.</summary>
    byte[] EncodeIndirectJump(nint at, nint slot);

    /// <summary>Copies the whole instructions covering the first <paramref name="minimumBytes"/> bytes of
    /// <paramref name="code"/> to <paramref name="at"/>, followed by a jump back to the rest of the method.</summary>
    byte[] EncodeContinuation(nint at, nint code, int minimumBytes);

    /// <summary>Disassembles a few instructions, for error messages.</summary>
    string Describe(nint address, int instructions = 3);
}
