using System.Reflection;
using Detour.Engine.Platform;

namespace Detour.Engine;

/// <summary>One way of sending a method's callers to other code. After set-up, every Point and
/// Restore is a single aligned pointer store, so a concurrent caller sees the old or the new target.</summary>
internal interface IRedirect
{
    void Point(nint target);
    void Restore();
}

/// <summary>Non-virtual methods: every call goes through the precode, whose aligned 8-byte slot
/// holds the code address; swapping it redirects without touching code (native-notes/precode-stubs.md).</summary>
internal sealed unsafe class SlotRedirect(nint slot, nint originalCode) : IRedirect
{
    public void Point(nint target) => Interlocked.Exchange(ref *(long*)slot, target);
    public void Restore() => Interlocked.Exchange(ref *(long*)slot, originalCode);
}

/// <summary>Virtual and interface methods: vtables and dispatch stubs hold the code address itself,
/// so the code start jumps to a trampoline "jmp [slot]". The code is written once per method;
/// afterwards retargets swap the slot, and undo points it at a continuation that runs the moved
/// prologue and resumes the original (native-notes/code-start-jump.md).</summary>
internal sealed unsafe class CodeStartRedirect(nint code, byte[] expected, byte[] jump, nint slot, nint continuation, INativeMemory memory)
    : IRedirect
{
    public bool JumpWritten { get; private set; }

    public void Point(nint target)
    {
        Interlocked.Exchange(ref *(long*)slot, target);
        if (JumpWritten) return;
        var now = new ReadOnlySpan<byte>((void*)code, expected.Length);
        if (!now.SequenceEqual(expected))
            throw new DetourException($"the code at 0x{code:X} changed since it was checked; refusing to write");
        memory.WriteCode(code, jump);
        JumpWritten = true;
    }

    public void Restore() => Interlocked.Exchange(ref *(long*)slot, continuation);
}

/// <summary>Chooses and builds the redirect for a method; a method only ever gets one.</summary>
internal sealed unsafe class RedirectFactory(IArchitecture arch, INativeMemory memory)
{
    readonly Dictionary<nint, IRedirect> _byCode = new();
    readonly TrampolineArena _arena = new(memory);

    public IRedirect For(MethodBase method, EntryPoint entry)
    {
        if (_byCode.TryGetValue(entry.Code, out var known)) return known;
        CompiledMethod.EnsureKnownPrologue(method, entry.Code, arch);
        IRedirect made = method.IsVirtual || !entry.HasPrecode
            ? BuildCodeStart(entry.Code)
            : new SlotRedirect(entry.Slot, entry.Code);
        _byCode[entry.Code] = made;
        return made;
    }

    IRedirect BuildCodeStart(nint code)
    {
        const int IndirectJumpLength = 6;
        var expected = new ReadOnlySpan<byte>((void*)code, 8).ToArray();
        nint trampoline;
        byte[] write;
        int moved;
        nint exact = arch.OneByteJumpTarget(code);
        nint slot;
        if (_arena.TryClaimExact(exact, IndirectJumpLength))
        {
            // Fully safe: only byte 0 changes, every later instruction boundary keeps its bytes.
            trampoline = exact;
            write = [arch.EncodeCodeStartJump(code, exact)[0]];
            moved = 1;
            slot = _arena.AllocateSlot(trampoline);
        }
        else
        {
            // One aligned 8-byte store: a thread standing inside bytes 1-4 at that instant is the residual risk.
            if (code % 8 != 0) throw new DetourException($"code at 0x{code:X} is not 8-byte aligned, so the jump cannot be written atomically");
            // The trampoline's slot shares its 16 bytes: jmp [rip+2] at +0, the pointer at +8.
            trampoline = _arena.AllocateCode(code, 16);
            slot = trampoline + 8;
            write = expected.ToArray();
            arch.EncodeCodeStartJump(code, trampoline).CopyTo(write, 0);
            moved = 5;
        }
        TrampolineArena.Write(trampoline, arch.EncodeIndirectJump(trampoline, slot));
        var continuationBytes = arch.EncodeContinuation(0, code, moved);
        nint continuation = _arena.AllocateCode(code, continuationBytes.Length);
        TrampolineArena.Write(continuation, arch.EncodeContinuation(continuation, code, moved));
        return new CodeStartRedirect(code, expected[..write.Length], write, slot, continuation, memory);
    }
}
