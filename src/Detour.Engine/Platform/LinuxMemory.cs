using System.Globalization;
using System.Runtime.InteropServices;

namespace Detour.Engine.Platform;

/// <summary>Linux: mmap/mprotect, with page protections read from /proc/self/maps and cached
/// (a read costs about 300 µs; see native-notes/wx-and-page-protection.md).</summary>
internal sealed unsafe partial class LinuxMemory : INativeMemory
{
    const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    const int MapPrivate = 0x02, MapAnonymous = 0x20, MapFixedNoReplace = 0x100000;
    static readonly nint MapFailed = -1;

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(nint addr, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mprotect(nint addr, nuint length, int prot);

    readonly List<(ulong Start, ulong End, int Prot)> _regions = new();

    public int PageSize => Environment.SystemPageSize;

    public bool TryMapExecutableAt(nint pageAddress, int length)
    {
        nint got = mmap(pageAddress, (nuint)length, ProtRead | ProtWrite | ProtExec,
            MapPrivate | MapAnonymous | MapFixedNoReplace, -1, 0);
        if (got == MapFailed) return false;
        if (got != pageAddress)
        {
            // Kernels before 4.17 treat the flag as a hint; a mapping elsewhere is no use.
            munmap(got, (nuint)length);
            return false;
        }
        return true;
    }

    public nint MapNear(nint near, long reach, int length, bool executable)
    {
        // The runtime reserves large PROT_NONE ranges around its code, so blind probing rarely
        // hits a hole; the holes between mappings are read from /proc/self/maps instead.
        int prot = ProtRead | ProtWrite | (executable ? ProtExec : 0);
        foreach (long candidate in FreeHolesNear((long)near, length, reach))
        {
            nint got = mmap((nint)candidate, (nuint)length, prot, MapPrivate | MapAnonymous | MapFixedNoReplace, -1, 0);
            if (got == MapFailed) continue;
            if (got == (nint)candidate) { lock (_regions) _regions.Clear(); return got; }
            munmap(got, (nuint)length);
        }
        return 0;
    }

    /// <summary>Start addresses of unmapped holes big enough for <paramref name="length"/>, nearest first.</summary>
    IEnumerable<long> FreeHolesNear(long near, int length, long reach)
    {
        List<(ulong Start, ulong End, int Prot)> regions;
        lock (_regions) { ReadMaps(); regions = new List<(ulong Start, ulong End, int Prot)>(_regions); }
        var holes = new List<long>();
        for (int i = 0; i + 1 < regions.Count; i++)
        {
            long holeStart = (long)regions[i].End, holeEnd = (long)regions[i + 1].Start;
            if (holeEnd - holeStart < length) continue;
            // Use the end of a hole below, the start of a hole above: the part closest to near.
            long pick = holeEnd <= near ? holeEnd - length : holeStart;
            if (Math.Abs(pick - near) < reach) holes.Add(pick);
        }
        holes.Sort((a, b) => Math.Abs(a - near).CompareTo(Math.Abs(b - near)));
        return holes;
    }

    public void WriteCode(nint address, ReadOnlySpan<byte> bytes)
    {
        long page = PageSize;
        nint first = (nint)((long)address & ~(page - 1));
        nint last = (nint)(((long)address + bytes.Length - 1) & ~(page - 1));
        var restores = new List<(nint Page, int Prot)>();
        try
        {
            for (nint p = first; p <= last; p += (nint)page)
            {
                int prot = ProtectionOf(p);
                if ((prot & ProtWrite) != 0) continue;
                if (mprotect(p, (nuint)page, prot | ProtWrite) != 0)
                    throw new DetourException($"mprotect(+write) failed at 0x{p:X} (errno {Marshal.GetLastPInvokeError()})");
                restores.Add((p, prot));
            }
            byte* target = (byte*)address;
            CodeWrites.Store(target, bytes);
            FlushInstructions(address, bytes.Length);
        }
        finally
        {
            foreach (var (p, prot) in restores)
                if (mprotect(p, (nuint)page, prot) != 0)
                    throw new DetourException($"mprotect(restore) failed at 0x{p:X} (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    // libgcc's cache maintenance: dc cvau, dsb ish, ic ivau, dsb ish, isb over the range. The runtime loads libgcc_s.
    [LibraryImport("libgcc_s.so.1", EntryPoint = "__clear_cache")]
    private static partial void ClearCache(nint begin, nint end);

    public void FlushInstructions(nint address, int length)
    {
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64) return;
        ClearCache(address, address + length);
    }

    /// <summary>The protection of a code page. A cached entry is trusted only when it says
    /// executable: the runtime maps code into ranges it reserved earlier as PROT_NONE, so a stale
    /// entry could make us "restore" a live code page to no access.</summary>
    int ProtectionOf(nint page)
    {
        lock (_regions)
        {
            if (TryFind((ulong)page, out int prot) && (prot & ProtExec) != 0) return prot;
            ReadMaps();
            if (TryFind((ulong)page, out prot) && (prot & ProtExec) != 0) return prot;
        }
        throw new DetourException($"address 0x{page:X} is not executable code; refusing to write there");
    }

    bool TryFind(ulong address, out int prot)
    {
        foreach (var r in _regions)
            if (address >= r.Start && address < r.End) { prot = r.Prot; return true; }
        prot = 0;
        return false;
    }

    void ReadMaps()
    {
        _regions.Clear();
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash < 0 || space < dash) continue;
            ulong start = ulong.Parse(line.AsSpan(0, dash), NumberStyles.HexNumber);
            ulong end = ulong.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber);
            var perms = line.AsSpan(space + 1, 4);
            int prot = (perms[0] == 'r' ? ProtRead : 0) | (perms[1] == 'w' ? ProtWrite : 0) | (perms[2] == 'x' ? ProtExec : 0);
            _regions.Add((start, end, prot));
        }
    }
}
