namespace Detour.Engine.Platform;

/// <summary>The operating-system services the engine needs; one implementation per OS.</summary>
public interface INativeMemory
{
    int PageSize { get; }

    /// <summary>Maps read-write-execute memory at exactly <paramref name="pageAddress"/>.
    /// Returns false, touching nothing, when any part of the range is already in use.</summary>
    bool TryMapExecutableAt(nint pageAddress, int length);

    /// <summary>Maps memory somewhere within rel32 reach (±2 GB) of <paramref name="near"/>, or returns 0.</summary>
    nint MapNear(nint near, int length, bool executable);

    /// <summary>Writes <paramref name="bytes"/> into code, making its pages writable for the write
    /// and restoring each page's previous protection afterwards. One byte, or eight aligned
    /// bytes, are written as a single atomic store.</summary>
    void WriteCode(nint address, ReadOnlySpan<byte> bytes);
}

internal static unsafe class CodeWrites
{
    /// <summary>A concurrent reader sees all of a one-byte or aligned eight-byte store or none of it.</summary>
    public static void Store(byte* target, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 1) Volatile.Write(ref *target, bytes[0]);
        else if (bytes.Length == 8 && (nint)target % 8 == 0) Interlocked.Exchange(ref *(long*)target, BitConverter.ToInt64(bytes));
        else bytes.CopyTo(new Span<byte>(target, bytes.Length));
    }
}
