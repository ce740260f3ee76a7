using System.Runtime.Intrinsics;

namespace Detour.Engine.Platform;

/// <summary>The operating-system services the engine needs; one implementation per OS.</summary>
internal interface INativeMemory
{
    int PageSize { get; }

    /// <summary>Maps read-write-execute memory at exactly <paramref name="pageAddress"/>.
    /// Returns false, touching nothing, when any part of the range is already in use.</summary>
    bool TryMapExecutableAt(nint pageAddress, int length);

    /// <summary>Maps memory somewhere within <paramref name="reach"/> bytes of <paramref name="near"/>, or returns 0.</summary>
    nint MapNear(nint near, long reach, int length, bool executable);

    /// <summary>Makes code just written visible to instruction fetch on every core. Arm64 needs it after every code
    /// write; x64 keeps its caches coherent.</summary>
    void FlushInstructions(nint address, int length);

    /// <summary>Writes <paramref name="bytes"/> into code, making its pages writable for the write
    /// and restoring each page's previous protection afterwards. One byte, or an aligned block of
    /// eight or sixteen bytes, is written as a single atomic store.</summary>
    void WriteCode(nint address, ReadOnlySpan<byte> bytes);
}

internal static unsafe class CodeWrites
{
    /// <summary>A concurrent reader sees all of a one-byte, aligned four-, eight- or sixteen-byte store, or none of it.
    /// Sixteen-byte aligned vector stores are atomic on every x64 processor with AVX (Intel SDM vol. 3A, 9.1.1).</summary>
    public static void Store(byte* target, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 1) Volatile.Write(ref *target, bytes[0]);
        else if (bytes.Length == 4 && (nint)target % 4 == 0) Interlocked.Exchange(ref *(int*)target, BitConverter.ToInt32(bytes));
        else if (bytes.Length == 8 && (nint)target % 8 == 0) Interlocked.Exchange(ref *(long*)target, BitConverter.ToInt64(bytes));
        else if (bytes.Length == 16 && (nint)target % 16 == 0 && System.Runtime.Intrinsics.X86.Avx.IsSupported)
        {
            Vector128.StoreAligned(Vector128.Create(bytes), target);
            Interlocked.MemoryBarrier();
        }
        else bytes.CopyTo(new Span<byte>(target, bytes.Length));
    }
}
