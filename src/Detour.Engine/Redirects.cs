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
        if (!now.SequenceEqual(expected.Bytes))
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
    readonly TrampolineArena _arena = new(memory);

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
        var sites = arch.FindJumpSites(code);
        // A one-byte site needs its trampoline at the one address its bytes already name; the runtime has often
        // reserved that address, and then the next site is tried.
        var site = sites.FirstOrDefault(s => !s.ChangesOneByte || _arena.TryClaimExact(s.FixedTarget, IndirectJumpLength))
            ?? throw new DetourException(
                $"{MethodNames.Describe(method)}: no instruction in its prologue can take a jump that running threads would never see torn ({arch.Describe(code, 6)})");
        nint trampoline, route;
        if (site.ChangesOneByte)
        {
            trampoline = site.FixedTarget;
            route = _arena.AllocateSlot(trampoline);
        }
        else
        {
            // The route shares the trampoline's 16 bytes: jmp [rip+2] at +0, the pointer at +8.
            trampoline = _arena.AllocateCode(code, 16);
            route = trampoline + 8;
        }
        TrampolineArena.Write(trampoline, arch.EncodeIndirectJump(trampoline, route));
        var jump = arch.EncodeSiteJump(code, site, trampoline);
        var expected = new CodeWrite(jump.Address, new ReadOnlySpan<byte>((void*)jump.Address, jump.Bytes.Length).ToArray());

        // Sized as if placed at the code itself, where any rip-relative operand is in reach.
        nint entry = _arena.AllocateCode(code, arch.EncodeEntry(code, code, site, code).Length);
        nint targetSlot = _arena.AllocateSlot(entry);
        TrampolineArena.Write(entry, arch.EncodeEntry(entry, code, site, targetSlot));
        nint continuation = _arena.AllocateCode(code, arch.EncodeContinuation(code, code, site).Length);
        TrampolineArena.Write(continuation, arch.EncodeContinuation(continuation, code, site));
        Sites.Add(site.Description);
        return new CodeStartRedirect(expected, jump, route, entry, targetSlot, continuation, memory);
    }

    /// <summary>Which kind of site each code-start redirect used, for the tests and the benchmark.</summary>
    internal readonly List<string> Sites = new();
}
