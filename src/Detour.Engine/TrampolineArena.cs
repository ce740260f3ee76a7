using Detour.Engine.Platform;

namespace Detour.Engine;

/// <summary>Owns the memory the engine runs code from: trampolines (each within rel32 reach of the method it
/// serves), their slots, entries, and continuations that resume an original method. Slots live beside the code that
/// reads them, in the same read-write-execute pages: near a method's code there is often no hole for a page more.</summary>
internal sealed unsafe class TrampolineArena(INativeMemory memory, long reach)
{
    readonly HashSet<nint> _exactPages = new();
    readonly List<(nint Start, nint End)> _exactUsed = new();
    readonly List<Pool> _codePools = new();

    sealed class Pool(nint start, int size)
    {
        public readonly nint Start = start;
        public int Used;
        public bool Fits(nint near, int length, long reach) => Used + length <= size && Math.Abs((long)Start - (long)near) < reach;
    }

    /// <summary>Claims <paramref name="length"/> executable bytes at exactly <paramref name="at"/>, or returns false.</summary>
    public bool TryClaimExact(nint at, int length)
    {
        foreach (var (start, end) in _exactUsed)
            if (at < end && start < at + length) return false;
        int page = memory.PageSize;
        for (nint p = at & ~(nint)(page - 1); p < at + length; p += page)
        {
            if (_exactPages.Contains(p)) continue;
            if (!memory.TryMapExecutableAt(p, page)) return false;
            _exactPages.Add(p);
        }
        _exactUsed.Add((at, at + length));
        return true;
    }

    /// <summary>Executable bytes within the site jump's reach of <paramref name="near"/>, 16-byte aligned.</summary>
    public nint AllocateCode(nint near, int length)
    {
        length = (length + 15) & ~15;
        if (length > memory.PageSize) throw new DetourException($"{length} bytes of trampoline code do not fit a page");
        var pool = _codePools.Find(p => p.Fits(near, length, reach));
        if (pool is null)
        {
            nint fresh = memory.MapNear(near, reach, memory.PageSize, executable: true);
            if (fresh == 0) throw new DetourException($"no free memory within reach of 0x{near:X} for a trampoline");
            pool = new Pool(fresh, memory.PageSize);
            _codePools.Add(pool);
        }
        nint at = pool.Start + pool.Used;
        pool.Used += length;
        return at;
    }

    /// <summary>Our own pages are mapped writable, so this needs no protection change.</summary>
    public void Write(nint at, ReadOnlySpan<byte> bytes)
    {
        CodeWrites.Store((byte*)at, bytes);
        memory.FlushInstructions(at, bytes.Length);
    }
}
