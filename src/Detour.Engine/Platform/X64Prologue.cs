using Iced.Intel;

namespace Detour.Engine.Platform;

/// <summary>Reads the straight-line start of an x64 method and finds where a jump can go so that no thread,
/// wherever it stands, ever runs a torn instruction (native-notes/code-start-jump.md). A jump replaces one
/// instruction only: a thread before it reaches the jump, a thread past it finishes on the old code. The
/// instructions before the jump have already run when a thread takes it, so the trampoline undoes them
/// (pushes and stack adjustments) before entering the replacement.</summary>
internal sealed class X64Prologue
{
    const int ReadLength = 64;
    readonly List<Instruction> _instructions;
    readonly byte[] _bytes;
    readonly nint _code;
    readonly HashSet<Register> _scratch;
    readonly bool _sixteenByteStoresAtomic;

    /// <param name="scratch">Registers the calling convention lets a callee clobber that carry no argument.</param>
    public X64Prologue(ReadOnlySpan<byte> bytes, nint code, HashSet<Register> scratch, bool sixteenByteStoresAtomic)
    {
        _code = code;
        _scratch = scratch;
        _sixteenByteStoresAtomic = sixteenByteStoresAtomic;
        _bytes = bytes.ToArray();
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(_bytes), (ulong)code);
        _instructions = new List<Instruction>();
        while ((long)decoder.IP - (long)code < bytes.Length - 15)
        {
            var i = decoder.Decode();
            if (i.IsInvalid) break;
            _instructions.Add(i);
            if (i.FlowControl != FlowControl.Next) break;
        }
    }

    public static int BytesToRead(nint code, int pageSize)
    {
        // Never read past the page unless the method visibly goes on into the next one.
        int toPageEnd = pageSize - (int)((long)code & (pageSize - 1));
        return Math.Max(32, Math.Min(ReadLength, toPageEnd));
    }

    int OffsetOf(Instruction i) => (int)((long)i.IP - (long)_code);

    /// <summary>End of the decoded straight-line code: bytes before it belong to this method and never change.</summary>
    int KnownEnd => _instructions.Count == 0 ? 0 : (int)((long)_instructions[^1].NextIP - (long)_code);

    /// <summary>Candidate sites, best first.</summary>
    public IEnumerable<JumpSite> Sites()
    {
        var frame = new Frame();
        for (int n = 0; n < _instructions.Count; n++)
        {
            var site = _instructions[n];
            int at = OffsetOf(site);
            if (IsPrologueOnly(site) || IsJustMyCodeProbe(n))
            {
                // Only the byte at the site changes: the four after it, already there, are the jump's rel32.
                if (at + 5 <= KnownEnd)
                {
                    nint target = (nint)((long)_code + at + 5 + BitConverter.ToInt32(_bytes, at + 1));
                    yield return new JumpSite(at, target, 1, $"one byte at +{at} ({site.Mnemonic})");
                }
                if (site.Length >= 5 && AtomicBlockFor(at) is int block)
                    yield return new JumpSite(at, 0, block, $"{site.Length}-byte {site.Mnemonic} at +{at}, one {block}-byte store");
            }
            if (!frame.Step(site, _scratch)) yield break;
        }
    }

    /// <summary>The size of the aligned block one atomic store writes to put five bytes at <paramref name="at"/>.</summary>
    int? AtomicBlockFor(int at)
    {
        long start = (long)_code + at, end = start + 4;
        if (start / 8 == end / 8) return 8;
        if (_sixteenByteStoresAtomic && start / 16 == end / 16) return 16;
        return null;
    }

    /// <summary>What a trampoline must run to undo the instructions before <paramref name="site"/>.</summary>
    public Frame FrameBefore(JumpSite site)
    {
        var frame = new Frame();
        foreach (var i in _instructions)
        {
            if (OffsetOf(i) >= site.Offset) return frame;
            if (!frame.Step(i, _scratch)) break;
        }
        throw new DetourException($"the instructions before +{site.Offset} at 0x{_code:X} cannot be undone");
    }

    /// <summary>Instructions the JIT emits only in a prologue, which nothing in the body branches back to.</summary>
    static bool IsPrologueOnly(in Instruction i) =>
        (i.Mnemonic == Mnemonic.Push && i.Op0Kind == OpKind.Register)
        || (i.Mnemonic == Mnemonic.Sub && i.Op0Register == Register.RSP && IsImmediate(i.Op1Kind))
        || (i.Mnemonic == Mnemonic.Mov && i.Op0Register == Register.RBP && i.Op1Register == Register.RSP)
        || (i.Mnemonic == Mnemonic.Lea && i.Op0Register is Register.RBP or Register.RSP
            && i.MemoryBase == Register.RSP && i.MemoryIndex == Register.None);

    /// <summary>Debug code's first block: <c>cmp dword [flag],0; je L; call helper; L:</c>. The JIT puts it in a
    /// scratch block of its own, so no branch targets it.</summary>
    bool IsJustMyCodeProbe(int n)
    {
        if (n + 1 >= _instructions.Count) return false;
        var cmp = _instructions[n];
        var je = _instructions[n + 1];
        if (cmp.Mnemonic != Mnemonic.Cmp || cmp.Op0Kind != OpKind.Memory || !cmp.IsIPRelativeMemoryOperand
            || !IsImmediate(cmp.Op1Kind) || cmp.GetImmediate(1) != 0 || je.Mnemonic != Mnemonic.Je)
            return false;
        // The straight-line decoding stopped at je; the call it skips is decoded here.
        int after = OffsetOf(je) + je.Length;
        var rest = Decoder.Create(64, new ByteArrayCodeReader(_bytes, after, _bytes.Length - after), je.NextIP);
        var call = rest.Decode();
        return call.Mnemonic == Mnemonic.Call && je.NearBranchTarget == call.NextIP;
    }

    static bool IsImmediate(OpKind kind) =>
        kind is OpKind.Immediate8 or OpKind.Immediate8to32 or OpKind.Immediate8to64 or OpKind.Immediate32 or OpKind.Immediate32to64;

    /// <summary>The stack as the instructions run so far left it, relative to rsp at the method's entry.</summary>
    public sealed class Frame
    {
        public long StackOffset { get; private set; }
        long? _framePointer;
        readonly List<(Register Register, long Offset)> _saved = new();
        static readonly InstructionInfoFactory Info = new();

        /// <summary>Registers pushed so far, each with where its entry value sits.</summary>
        public IReadOnlyList<(Register Register, long Offset)> Saved => _saved;

        bool IsSaved(Register r) => _saved.Exists(s => s.Register == r);

        /// <summary>Runs one instruction symbolically; false when undoing it is beyond the trampoline.</summary>
        public bool Step(in Instruction i, HashSet<Register> scratch)
        {
            if (i.FlowControl != FlowControl.Next) return false;
            switch (i.Mnemonic)
            {
                case Mnemonic.Push when i.Op0Kind == OpKind.Register && i.Op0Register.IsGPR64():
                    if (IsSaved(i.Op0Register)) return false;
                    StackOffset -= 8;
                    _saved.Add((i.Op0Register, StackOffset));
                    return true;
                case Mnemonic.Sub when i.Op0Register == Register.RSP && IsImmediate(i.Op1Kind):
                    StackOffset -= (long)i.GetImmediate(1);
                    return true;
                case Mnemonic.Lea when i.Op0Register == Register.RSP && i.MemoryBase == Register.RSP && i.MemoryIndex == Register.None:
                    StackOffset += (long)i.MemoryDisplacement64;
                    return true;
                case Mnemonic.Mov when i.Op0Register == Register.RBP && i.Op1Register == Register.RSP:
                    if (!IsSaved(Register.RBP)) return false;
                    _framePointer = StackOffset;
                    return true;
                case Mnemonic.Lea when i.Op0Register == Register.RBP && i.MemoryBase == Register.RSP && i.MemoryIndex == Register.None:
                    if (!IsSaved(Register.RBP)) return false;
                    _framePointer = StackOffset + (long)i.MemoryDisplacement64;
                    return true;
            }
            var info = Info.GetInfo(i);
            foreach (var used in info.GetUsedRegisters())
            {
                if (used.Access is OpAccess.Read or OpAccess.CondRead or OpAccess.NoMemAccess or OpAccess.None) continue;
                var full = used.Register.GetFullRegister();
                if (full == Register.RSP) return false;
                if (full == Register.RBP) { if (!IsSaved(Register.RBP)) return false; _framePointer = null; continue; }
                if (!scratch.Contains(full) && !IsSaved(full)) return false;
            }
            foreach (var memory in info.GetUsedMemory())
            {
                if (memory.Access is OpAccess.Read or OpAccess.CondRead or OpAccess.NoMemAccess or OpAccess.None) continue;
                // Stores into the new frame are harmless: the trampoline gives that memory back.
                long? at = memory.Base == Register.RSP ? StackOffset : memory.Base == Register.RBP ? _framePointer : null;
                if (at is null || memory.Index != Register.None) return false;
                if (at.Value + (long)memory.Displacement + memory.MemorySize.GetSize() > 0) return false;
            }
            return true;
        }
    }
}
