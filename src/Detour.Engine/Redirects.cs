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

/// <summary>Virtual and interface methods: vtables and dispatch stubs hold the code address itself, so one
/// instruction of the prologue becomes a jump to a trampoline, "jmp [route]". The route leads to the entry, which
/// undoes the prologue's instructions before the site and jumps through the target slot, or, once undone, to the
/// continuation, which runs the replaced instruction and resumes the original. The code is written once per method;
/// every retarget and undo afterwards is a pointer store (native-notes/code-start-jump.md).</summary>
internal sealed unsafe class CodeStartRedirect(CodeWrite expected, CodeWrite jump, nint route, nint entry, nint targetSlot,
    nint continuation, INativeMemory memory) : IRedirect
{
    public bool JumpWritten { get; private set; }

    public void Point(nint target)
    {
        Interlocked.Exchange(ref *(long*)targetSlot, target);
        Interlocked.Exchange(ref *(long*)route, entry);
        if (JumpWritten) return;
        var now = new ReadOnlySpan<byte>((void*)expected.Address, expected.Bytes.Length);
        if (!now.SequenceEqual(expected.Bytes.AsSpan()))
            throw new DetourException($"the code at 0x{expected.Address:X} changed since it was checked; refusing to write");
        memory.WriteCode(jump.Address, jump.Bytes);
        JumpWritten = true;
    }

    public void Restore() => Interlocked.Exchange(ref *(long*)route, continuation);
}

/// <summary>Chooses and builds the redirect for a method; a method only ever gets one.</summary>
internal sealed unsafe class RedirectFactory(IArchitecture arch, INativeMemory memory)
{
    readonly Dictionary<nint, IRedirect> _byCode = new();
    readonly TrampolineArena _arena = new(memory, arch.BranchReach);

    public IRedirect For(MethodBase method, EntryPoint entry)
    {
        if (_byCode.TryGetValue(entry.Code, out var known)) return known;
        CompiledMethod.EnsureKnownPrologue(method, entry.Code, arch);
        IRedirect made = method.IsVirtual || !entry.HasPrecode
            ? BuildCodeStart(method, entry.Code)
            : new SlotRedirect(entry.Slot, entry.Code);
        _byCode[entry.Code] = made;
        return made;
    }

    IRedirect BuildCodeStart(MethodBase method, nint code)
    {
        const int IndirectJumpLength = 6;
        // A one-byte site's trampoline lives at the one address its bytes already name, with its route slot after it;
        // the runtime has often reserved that address, and then the next site is tried.
        static nint RouteAfter(nint trampoline) => (trampoline + IndirectJumpLength + 7) & ~(nint)7;
        JumpSite? site = null;
        foreach (var s in arch.FindJumpSites(code))
            if (!s.ChangesOneByte || _arena.TryClaimExact(s.FixedTarget, (int)(RouteAfter(s.FixedTarget) + 8 - s.FixedTarget))) { site = s; break; }
        if (site is null)
            throw new DetourException(
                $"{MethodNames.Describe(method)}: no instruction in its prologue can take a jump that running threads would never see torn ({arch.Describe(code, 6)})");

        // Everything else lives in one block near the code, so a method costs one allocation and no page of its own:
        // +0 the trampoline "jmp [route]" and +8 its route (unused for a one-byte site), +16 the target slot,
        // +24 the entry, then the continuation. Encoded sizes do not depend on the address; they are checked anyway.
        int entryLength = arch.EncodeEntry(code, code, site, code).Length;
        int continuationLength = arch.EncodeContinuation(code, code, site).Length;
        int continuationAt = (24 + entryLength + 15) & ~15;
        nint block = _arena.AllocateCode(code, continuationAt + continuationLength);
        nint trampoline = site.ChangesOneByte ? site.FixedTarget : block;
        nint route = site.ChangesOneByte ? RouteAfter(trampoline) : block + 8;
        nint targetSlot = block + 16, entry = block + 24, continuation = block + continuationAt;
        _arena.Write(trampoline, arch.EncodeIndirectJump(trampoline, route));
        WriteSized(entry, arch.EncodeEntry(entry, code, site, targetSlot), entryLength);
        WriteSized(continuation, arch.EncodeContinuation(continuation, code, site), continuationLength);

        var jump = arch.EncodeSiteJump(code, site, trampoline);
        var expected = new CodeWrite(jump.Address, new ReadOnlySpan<byte>((void*)jump.Address, jump.Bytes.Length).ToArray());
        Sites.Add(site.Description);
        return new CodeStartRedirect(expected, jump, route, entry, targetSlot, continuation, memory);
    }

    void WriteSized(nint at, byte[] bytes, int planned)
    {
        if (bytes.Length != planned) throw new DetourException($"code for 0x{at:X} encoded to {bytes.Length} bytes, not the {planned} planned");
        _arena.Write(at, bytes);
    }

    /// <summary>Which kind of site each code-start redirect used, for the tests and the benchmark.</summary>
    internal readonly List<string> Sites = new();
}
