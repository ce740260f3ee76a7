using System.Runtime.InteropServices;

namespace Detour.Engine.Platform;

/// <summary>macOS, written to Apple's rules and never run: nothing here runs macOS, so the engine uses it only when
/// DETOUR_UNVERIFIED_ENGINE=1 asks (native-notes/platforms.md); otherwise edits go through the runtime's own update.
/// - Our pages are MAP_JIT: on Apple silicon that is the only way to have memory that is ever executable and writable.
/// - The runtime's code pages are MAP_JIT too. They are written with the thread's JIT write protection lifted
///   (pthread_jit_write_protect_np(0)), never with mprotect, which MAP_JIT memory refuses. On x64, where that call is
///   absent, the page's protection is read with mach_vm_region, widened and restored, as on Linux.
/// - After every write, sys_icache_invalidate.</summary>
internal sealed unsafe partial class MacMemory : INativeMemory
{
    const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    const int MapPrivate = 0x0002, MapAnonymous = 0x1000, MapJit = 0x0800;
    const int VmRegionBasicInfo64 = 9, VmRegionBasicInfoCount64 = 9; // flavor, and the struct's size in 32-bit words
    const string System = "/usr/lib/libSystem.B.dylib";
    static readonly nint MapFailed = -1;

    [LibraryImport(System, EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport(System, EntryPoint = "munmap")]
    private static partial int Munmap(nint addr, nuint length);

    [LibraryImport(System, EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(nint addr, nuint length, int prot);

    [LibraryImport(System, EntryPoint = "pthread_jit_write_protect_np")]
    private static partial void JitWriteProtect(int enabled);

    [LibraryImport(System, EntryPoint = "sys_icache_invalidate")]
    private static partial void InvalidateInstructionCache(nint start, nuint length);

    [LibraryImport(System, EntryPoint = "mach_task_self")]
    private static partial uint MachTaskSelf();

    [LibraryImport(System, EntryPoint = "mach_vm_region")]
    private static partial int MachVmRegion(uint task, ref ulong address, out ulong size, int flavor, int* info, ref uint count, out uint objectName);

    static bool AppleSilicon => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    public int PageSize => Environment.SystemPageSize;

    /// <summary>Without MAP_FIXED the address is a hint: a mapping elsewhere is given back.</summary>
    nint MapAt(nint address, int length)
    {
        int flags = MapPrivate | MapAnonymous | (AppleSilicon ? MapJit : 0);
        nint got = Mmap(address, (nuint)length, ProtRead | ProtWrite | ProtExec, flags, -1, 0);
        if (got == MapFailed) return 0;
        if (address != 0 && got != address) { Munmap(got, (nuint)length); return 0; }
        return got;
    }

    public bool TryMapExecutableAt(nint pageAddress, int length) => MapAt(pageAddress, length) != 0;

    public nint MapNear(nint near, long reach, int length, bool executable)
    {
        long origin = (long)near & ~((long)PageSize - 1);
        for (long step = PageSize; step < reach; step *= 2)
            foreach (long sign in new[] { 1L, -1L })
                if (MapAt((nint)(origin + sign * step), length) is var got and not 0) return got;
        return 0;
    }

    public void WriteCode(nint address, ReadOnlySpan<byte> bytes)
    {
        if (AppleSilicon)
        {
            JitWriteProtect(0);
            try { CodeWrites.Store((byte*)address, bytes); }
            finally { JitWriteProtect(1); }
        }
        else
        {
            nint page = address & ~(nint)(PageSize - 1);
            int length = (int)(address + bytes.Length - page);
            int previous = ProtectionOf(address);
            if (Mprotect(page, (nuint)length, previous | ProtWrite) != 0)
                throw new DetourException($"mprotect(+write) failed at 0x{page:X} (errno {Marshal.GetLastPInvokeError()})");
            try { CodeWrites.Store((byte*)address, bytes); }
            finally { Mprotect(page, (nuint)length, previous); }
        }
        FlushInstructions(address, bytes.Length);
    }

    public void FlushInstructions(nint address, int length) => InvalidateInstructionCache(address, (nuint)length);

    /// <summary>vm_region_basic_info_64 starts with the current protection.</summary>
    static int ProtectionOf(nint address)
    {
        ulong at = (ulong)address;
        int* info = stackalloc int[VmRegionBasicInfoCount64];
        uint count = VmRegionBasicInfoCount64;
        if (MachVmRegion(MachTaskSelf(), ref at, out _, VmRegionBasicInfo64, info, ref count, out _) != 0 || at > (ulong)address)
            throw new DetourException($"mach_vm_region found no mapping at 0x{address:X}");
        if ((info[0] & ProtExec) == 0) throw new DetourException($"address 0x{address:X} is not executable code; refusing to write there");
        return info[0];
    }
}
