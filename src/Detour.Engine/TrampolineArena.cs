using Detour.Engine.Platform;

namespace Detour.Engine;

/// <summary>Owns the memory the engine runs code from: trampolines (each within rel32 reach of the
/// method it serves), their target slots, and continuations that resume an original method.</summary>
internal sealed unsafe class TrampolineArena(INativeMemory memory)
{
    const long Reach = 0x7FF0_0000; // within rel32 reach (±2 GB) with a page to spare
    readonly HashSet<nint> _exactPages = new();
    readonly List<(nint Start, nint End)> _exactUsed = new();
    readonly List<Pool> _codePools = new(), _dataPools = new();

    sealed class Pool(nint start, int size)
    {
        public readonly nint Start = start;
        public int Used;
        public bool Fits(nint near, int length) => Used + length <= size && Math.Abs((long)Start - (long)near) < Reach;
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

    /// <summary>Executable bytes within rel32 reach of <paramref name="near"/>, 16-byte aligned.</summary>
    public nint AllocateCode(nint near, int length) => Allocate(_codePools, near, (length + 15) & ~15, executable: true);

    /// <summary>An 8-byte aligned pointer slot within rel32 reach of <paramref name="near"/>.</summary>
    public nint AllocateSlot(nint near) => Allocate(_dataPools, near, 8, executable: false);

    /// <summary>Our own pages are mapped writable, so this needs no protection change.</summary>
    public static void Write(nint at, ReadOnlySpan<byte> bytes) => CodeWrites.Store((byte*)at, bytes);

    nint Allocate(List<Pool> pools, nint near, int length, bool executable)
    {
        var pool = pools.FirstOrDefault(p => p.Fits(near, length));
        if (pool is null)
        {
            nint fresh = memory.MapNear(near, memory.PageSize, executable);
            if (fresh == 0) throw new DetourException($"no free memory within reach of 0x{near:X} for a trampoline");
            pool = new Pool(fresh, memory.PageSize);
            pools.Add(pool);
        }
        nint at = pool.Start + pool.Used;
        pool.Used += length;
        return at;
    }
}
