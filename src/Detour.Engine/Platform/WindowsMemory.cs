using System.Runtime.InteropServices;

namespace Detour.Engine.Platform;

/// <summary>Windows: VirtualAlloc/VirtualProtect. Written to the same contract as Linux but
/// untested (see native-notes/platforms.md).</summary>
internal sealed unsafe partial class WindowsMemory : INativeMemory
{
    const uint MemCommit = 0x1000, MemReserve = 0x2000;
    const uint PageReadWrite = 0x04, PageExecuteReadWrite = 0x40;

    [LibraryImport("kernel32", SetLastError = true)]
    private static partial nint VirtualAlloc(nint address, nuint size, uint type, uint protect);

    [LibraryImport("kernel32", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool VirtualProtect(nint address, nuint size, uint newProtect, out uint oldProtect);

    [LibraryImport("kernel32")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool FlushInstructionCache(nint process, nint address, nuint size);

    [LibraryImport("kernel32")]
    private static partial nint GetCurrentProcess();

    // VirtualAlloc reserves with 64 KB granularity.
    public int PageSize => 0x10000;

    public bool TryMapExecutableAt(nint pageAddress, int length) =>
        VirtualAlloc(pageAddress, (nuint)length, MemReserve | MemCommit, PageExecuteReadWrite) == pageAddress;

    public nint MapNear(nint near, long reach, int length, bool executable)
    {
        long origin = (long)near & ~0xFFFFL;
        for (long step = 1; step * 0x100000 < reach; step++)
            foreach (long sign in new[] { 1L, -1L })
            {
                nint candidate = (nint)(origin + sign * step * 0x100000);
                nint got = VirtualAlloc(candidate, (nuint)length, MemReserve | MemCommit, executable ? PageExecuteReadWrite : PageReadWrite);
                if (got == candidate) return got;
            }
        return 0;
    }

    public void WriteCode(nint address, ReadOnlySpan<byte> bytes)
    {
        // VirtualProtect returns the previous protection, so restoring it needs no cache.
        if (!VirtualProtect(address, (nuint)bytes.Length, PageExecuteReadWrite, out uint old))
            throw new DetourException($"VirtualProtect failed at 0x{address:X} (error {Marshal.GetLastPInvokeError()})");
        try
        {
            byte* target = (byte*)address;
            CodeWrites.Store(target, bytes);
        }
        finally
        {
            VirtualProtect(address, (nuint)bytes.Length, old, out _);
            FlushInstructions(address, bytes.Length);
        }
    }

    public void FlushInstructions(nint address, int length) => FlushInstructionCache(GetCurrentProcess(), address, (nuint)length);
}
